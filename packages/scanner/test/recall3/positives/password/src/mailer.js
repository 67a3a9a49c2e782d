const nodemailer = require('nodemailer');

const transport = nodemailer.createTransport({
  host: 'smtp.acme.io',
  auth: { user: 'bot@acme.io', pass: 'n0d3m4il3r' },
});
const db = { user: 'app', password: process.env.DB_PASS };
module.exports = { transport, db };
