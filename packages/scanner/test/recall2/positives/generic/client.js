const client = new Client({ user: 'etl', pass: 'Juniper985&', host: 'db' });
await page.fill('#password', 'Cobalt343!');
axios.get(url, { auth: { username: 'bot', password: 'Harbor581#' } });
