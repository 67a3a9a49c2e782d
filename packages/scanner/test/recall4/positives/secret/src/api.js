import axios from 'axios';

const API_KEY = 'eigp61xxt8461i6zuriz6ad9nyz5ohlr';
const API_KEY_HEADER = 'x-api-key';

export const client = axios.create({
  baseURL: 'https://api.partner.io/v1',
  headers: { [API_KEY_HEADER]: API_KEY },
});

export function signed(secret = process.env.SIGNING_SECRET) {
  return client.get('/ping', { params: { sig: secret } });
}
const clientSecret = "QNhKJ1I5prMvoBiC8rwml2XJhRvQ11fLurvNrxDF";
