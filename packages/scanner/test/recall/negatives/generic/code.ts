const password = req.body.password;
if (password.length < 8) throw new Error("password is too short");
const cfg = { password: process.env.DB_PASSWORD, passwordField: "password" };
login(user, password);
server.login(username, getPassword());
const enabled = { "password": false, "token": true };
// the password is stored in the vault, never in code
mysql -u root -p app
function connect(host, user, pass) { return db.open(host, user, pass); }
password: ${{ secrets.DB_PASSWORD }}
