// Secret name rules: path-like names such as `apps/billing/db-password`, validated in one place.
import { fail } from './errors.js';

export const SECRET_NAME_MAX = 256;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Returns the problem with a name, or null when it is valid. */
export const secretNameProblem = (name: string): string | null => {
  if (typeof name !== 'string' || name.length === 0) return 'the name is empty';
  if (name.length > SECRET_NAME_MAX) return `the name is longer than ${SECRET_NAME_MAX} characters`;
  const segments = name.split('/');
  for (const s of segments) {
    if (s === '') return 'the name has an empty segment (leading, trailing or double "/")';
    if (s === '.' || s === '..') return 'the name has a "." or ".." segment';
    if (!SEGMENT.test(s))
      return `the segment "${s.slice(0, 40)}" must start with a letter or digit and hold only letters, digits, ".", "_" or "-"`;
  }
  return null;
};

export const assertSecretName = (name: string): string => {
  const problem = secretNameProblem(name);
  if (problem) throw fail('INVALID_SECRET_NAME', `Invalid secret name: ${problem}. Names are path-like, e.g. apps/billing/db-password.`);
  return name;
};
