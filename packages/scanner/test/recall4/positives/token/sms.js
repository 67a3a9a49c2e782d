const twilio = require('twilio');
const accountSid = 'AC0042c72fdbde973ee4e72cb28311c130';
const authToken = '9bb8f94dce6c97d790ada9eee45ed35e';
const client = twilio(accountSid, authToken);
const apiKeySecret = { sid: 'SKd673a89e54d0b3dc21357789c5505fbf', secret: 'IXPMEHIaAI91yuAuibx6LCgj1GmGrnJT' };
client.messages.create({ body: 'hi', from: '+15005550006', to: '+15551234567' });
