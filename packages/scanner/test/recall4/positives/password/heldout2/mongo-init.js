db = db.getSiblingDB('shop');
db.createUser({
  user: 'shop',
  pwd: 'Sh0pM0ngo!',
  roles: [{ role: 'readWrite', db: 'shop' }],
});
db.createUser({ user: 'ro', pwd: passwordPrompt(), roles: ['read'] });
