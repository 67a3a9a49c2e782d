const twilio = require('twilio');
const accountSid = 'AC1b2c1beada56066a4d1d9ed59f4d7a9f';
const authToken = 'ce6616e68bbdc353ff71ff295ed0e6c9';
const client = twilio(accountSid, authToken);
const apiKeySecret = { sid: 'SKb3ae875237598501c225352e14b55087', secret: 'HH6f2mrRHkm2YcnQWRPgTXRW7xRi1zOC' };
client.messages.create({ body: 'hi', from: '+15005550006', to: '+15551234567' });
