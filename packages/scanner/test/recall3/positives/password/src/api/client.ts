export const login = async (api: Api) => {
  await api.login('svc-reporting', 'R3port!ng88');
  const creds = { username: 'ops', password: '0psC0nsole#1' };
  return api.session(creds);
};
export type Credentials = { username: string; password: string };
