const headers = { Authorization: `Bearer ${await getAccessToken()}` };
const basic = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
axios.defaults.headers.common['Authorization'] = token;
// Authorization: Bearer <token>
