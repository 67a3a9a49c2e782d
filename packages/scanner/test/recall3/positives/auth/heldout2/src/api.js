const client = axios.create({
  baseURL: 'https://api.acme.io',
  auth: { username: 'svc', password: 'Ax_auth_pw1' },
});
