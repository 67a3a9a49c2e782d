export const config = {
  password: process.env.DB_PASSWORD ?? '',
  secret: requireEnv('APP_SECRET'),
  token: options.token,
  apiKey: import.meta.env.VITE_API_KEY,
  passwordMinLength: 12,
  passwordField: 'user_password',
};
function login(user: string, password: string): Promise<Session> { return auth.login(user, password); }
