const headers = { Authorization: 'Basic ' + Buffer.from('svc:Bfr_pw_14').toString('base64') };
const es = { Authorization: 'ApiKey ZG04eU84ejRxeE5TVTU3dXZwSkc6YWlONlJKeUhMYWhoOGFkdzdrVVJYNw==' };
