export const environment = {
  production: true,
  apiUrl: 'https://api.acme.io',
  mapsApiKey: 'HHomzyGYkHf6PmBwIO4bItZ1U3hBW5qWc4iWQEo',
  clientSecret: 'YE3eH0rTpRWlMSUtA2KFInpzj79RVXwUzuLLvPv0',
};
