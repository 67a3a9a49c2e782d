import axios from 'axios';

const API_KEY = 'zvcms4klpkjrf4owpfp1xul6elf2lige';
const API_KEY_HEADER = 'x-api-key';

export const client = axios.create({
  baseURL: 'https://api.partner.io/v1',
  headers: { [API_KEY_HEADER]: API_KEY },
});

export function signed(secret = process.env.SIGNING_SECRET) {
  return client.get('/ping', { params: { sig: secret } });
}
const clientSecret = "BRYMK6OKSK531z1Ka4ghg9sbeoX7X54KrXhCPibn";
