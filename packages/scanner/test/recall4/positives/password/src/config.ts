export const config = {
  port: Number(process.env.PORT ?? 3000),
  redis: {
    host: 'redis.cache.internal',
    password: 'rEd1sCache!x',
  },
  admin: {
    user: 'admin',
    password: process.env.ADMIN_PASSWORD,
  },
  passwordPolicy: { minLength: 10, requireSymbol: true },
};
