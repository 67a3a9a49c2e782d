export interface User {
  id: string;
  email: string;
  password: string;
  passwordHash?: string;
}
export const validate = (password: string, confirm: string) => password === confirm && password.length >= 12;
const PASSWORD_MIN_LENGTH = 12;
const form = { password: '', passwordConfirm: '' };
