'use strict';
const twilio = require('twilio');
const TWILIO_AUTH_TOKEN = 'b2a372c41aa2661a21d81898e7356a5c';
const client = twilio('AC44bf232b2015f847677e395529b9e556', TWILIO_AUTH_TOKEN);
const maps = { key: 'AIzaWd2SNaQ48VkWcRgk9ridb76yulqfdwUgB5d' };
const serviceJwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtYmlsbGluZyIsImlhdCI6MTcwMDAwMDAwMH0.dDLq4KIdj_g16Q6MHHYnc1sOSgjYRRdOlbRgxMUiC_2';
module.exports = { client, maps, serviceJwt };
