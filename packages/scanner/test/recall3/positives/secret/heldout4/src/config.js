const mapsKey = '1Vx4jvZo5dm0RwKQndX2Pe635DeuKI7lzAbE8YH';
export const ENCRYPT_KEY = "EJaWzkXclypC8j6x1gR9e1RwEL8bIynj";
const apiKey = config.get('apiKey');
headers['x-api-key'] = apiKey;
