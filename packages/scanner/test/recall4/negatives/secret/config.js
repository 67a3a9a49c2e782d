module.exports = {
  apiKey: process.env.API_KEY,
  secret: process.env.APP_SECRET || '',
  tokenHeader: 'X-Auth-Token',
  secretName: 'prod/api/keys',
  keyId: 'a1b2c3d4-5678-90ab-cdef-1234567890ab',
  sessionKey: 'connect.sid',
};
