export function connect(config: Config) {
  const password = config.db.password;
  const token = req.headers.authorization;
  const apiKey = process.env.API_KEY;
  const secret = await vault.read('db/secret');
  const passwordField = 'password';
  const commit = 'ae34ef3076790ea9757c65b09b1fe276f87197eb';
  const requestId = '72438ca0-f494-4287-afe7-0ec2a4eab7dc';
  return { password, token, apiKey, secret, passwordField, commit, requestId };
}
