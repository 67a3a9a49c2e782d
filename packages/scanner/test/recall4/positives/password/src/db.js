const { Pool } = require('pg');

const pool = new Pool({
  user: 'dbuser',
  host: 'database.server.com',
  database: 'mydb',
  password: 'secretpassword1',
  port: 3211,
});

function login(user, password) {
  return pool.query('SELECT * FROM users WHERE name = $1 AND password = crypt($2, password)', [user, password]);
}
module.exports = { pool, login };
