const apiKey = 'pCS86EnPTFnv2tQj4rqp1cJA9kxe1tIH';
const baseUrl = 'https://api.acme.io';
