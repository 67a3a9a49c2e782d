// Where `keyhaven login` keeps the token for later commands, as `vault login` keeps ~/.vault-token:
// $XDG_CONFIG_HOME/keyhaven/token (default ~/.config/keyhaven/token), the directory 0700 and the
// file 0600, written atomically. KEYHAVEN_TOKEN (or --token) wins over the stored token.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const tokenFilePath = (env: NodeJS.ProcessEnv = process.env): string =>
  path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'keyhaven', 'token');

export const readStoredToken = (file = tokenFilePath()): string | undefined => {
  try {
    const t = readFileSync(file, 'utf8').trim();
    return t || undefined;
  } catch {
    return undefined;
  }
};

export const storeToken = (token: string, file = tokenFilePath()): string => {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  } catch {
    /* best effort */
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
};

export const forgetToken = (file = tokenFilePath()): boolean => {
  try {
    rmSync(file);
    return true;
  } catch {
    return false;
  }
};
