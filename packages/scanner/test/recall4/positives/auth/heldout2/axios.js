axios.defaults.headers.common['Authorization'] = 'Bearer B4ZlUadNO7nRXF0BtIzGxfPoRMIvIa7X86bkhPL_RiRxxfv1';
const api = axios.create({ auth: { username: 'svc', password: 'Ax10s-Basic' } });
api.defaults.headers.common['X-Request-Id'] = uuid();
