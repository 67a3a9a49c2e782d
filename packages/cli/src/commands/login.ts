// `keyhaven login --method approle|kubernetes|oidc|jwt|token` and `keyhaven logout`: exchange a
// machine identity for a Keyhaven token and store it for later commands (token-store.ts), as
// `vault login` does. Credentials come from files, stdin or the environment, never from a flag
// value that `ps` would show (the role_id is an identifier, not a secret).
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { createClient, type LoginCredentials } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { print } from '../output.js';
import { forgetToken, readStoredToken, storeToken, tokenFilePath } from '../token-store.js';

export const DEFAULT_SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

interface LoginOptions {
  method: 'approle' | 'kubernetes' | 'oidc' | 'jwt' | 'token';
  roleId?: string;
  secretIdFile?: string;
  role?: string;
  jwt?: string;
  jwtFile?: string;
  tokenFile?: string;
  noStore?: boolean;
  store?: boolean;
}

export const registerLoginCommands = (program: Command, ctx: CommandContext) => {
  const readSecret = async (file: string | undefined, envName: string, what: string): Promise<string> => {
    if (file === '-') return (await ctx.io.readStdin()).trim();
    if (file) {
      try {
        return (await readFile(file, 'utf8')).trim();
      } catch (e) {
        throw new UsageError(`${what}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
      }
    }
    const v = process.env[envName];
    if (v) return v.trim();
    throw new UsageError(`${what}: give a file (or - for stdin), or set ${envName}.`);
  };

  program
    .command('login')
    .description('log in with a machine identity and store the token for later commands (KEYHAVEN_TOKEN still wins)')
    .addOption(new Option('--method <method>', 'how to log in').choices(['approle', 'kubernetes', 'oidc', 'jwt', 'token']).default('token'))
    .option('--role-id <id>', 'approle: the role_id (or KEYHAVEN_ROLE_ID)')
    .option('--secret-id-file <file>', 'approle: file holding the secret_id, - for stdin (default: KEYHAVEN_SECRET_ID)')
    .option('--role <name>', 'kubernetes, oidc/jwt: the login role')
    .option(
      '--jwt-file <file>',
      `kubernetes, oidc/jwt: file holding the JWT, - for stdin (kubernetes default: ${DEFAULT_SA_TOKEN}; oidc default: KEYHAVEN_JWT)`,
    )
    .option('--jwt <jwt>', 'oidc/jwt: the JWT itself (prefer --jwt-file or KEYHAVEN_JWT: flags show up in ps)')
    .option('--token-file <file>', 'token: file holding an existing token, - for stdin (default: KEYHAVEN_TOKEN)')
    .option('--no-store', 'print the token instead of storing it')
    .addHelpText(
      'after',
      `
The token is stored in ${'$'}XDG_CONFIG_HOME/keyhaven/token (default ~/.config/keyhaven/token), mode 0600.
The tenant comes from --tenant (KEYHAVEN_TENANT) for kubernetes and oidc; an AppRole role_id names its tenant.

Examples:
  KEYHAVEN_SECRET_ID=... keyhaven login --method approle --role-id 6f1c...
  keyhaven login --method approle --role-id 6f1c... --secret-id-file /run/secrets/secret-id
  keyhaven login --method kubernetes --role payments-api
  keyhaven login --method oidc --role deploy --jwt-file "$ACTIONS_ID_TOKEN_FILE"
  echo "$TOKEN" | keyhaven login --method token --token-file -`,
    )
    .action(async (o: LoginOptions) => {
      const g = ctx.globals();
      let token: string;
      let summary: Record<string, unknown>;
      if (o.method === 'token') {
        token = o.tokenFile
          ? await readSecret(o.tokenFile, 'KEYHAVEN_TOKEN', 'token')
          : (g.token ?? (await readSecret(undefined, 'KEYHAVEN_TOKEN', 'token')));
        const self = await createClient({ addr: g.addr, token, tenant: g.tenant }).tokens.self();
        summary = {
          accessor: self.id,
          policies: self.grants.map((x) => x.role),
          expires_at: self.expires_at,
          identity: self.identity ?? null,
        };
      } else {
        let creds: LoginCredentials;
        if (o.method === 'approle') {
          const roleId = o.roleId ?? process.env.KEYHAVEN_ROLE_ID;
          if (!roleId) throw new UsageError('approle: give --role-id or set KEYHAVEN_ROLE_ID.');
          creds = { method: 'approle', roleId, secretId: await readSecret(o.secretIdFile, 'KEYHAVEN_SECRET_ID', 'approle secret_id') };
        } else {
          if (!o.role) throw new UsageError(`${o.method}: give --role.`);
          const jwt =
            o.jwt ??
            (o.method === 'kubernetes'
              ? await readSecret(o.jwtFile ?? DEFAULT_SA_TOKEN, 'KEYHAVEN_JWT', 'kubernetes service-account token')
              : await readSecret(o.jwtFile, 'KEYHAVEN_JWT', `${o.method} JWT`));
          creds = { method: o.method === 'kubernetes' ? 'kubernetes' : 'jwt', role: o.role, jwt };
        }
        const r = await createClient({ addr: g.addr, token: '', tenant: g.tenant }).auth.login(creds);
        token = r.auth.client_token;
        summary = {
          accessor: r.auth.accessor,
          policies: r.auth.policies,
          lease_duration: r.auth.lease_duration,
          renewable: r.auth.renewable,
          metadata: r.auth.metadata,
        };
      }
      if (o.store === false) {
        print(ctx.io, g.format, { token, ...summary }, () => `${token}\n`);
        return;
      }
      const file = storeToken(token);
      print(
        ctx.io,
        g.format,
        { stored: file, ...summary },
        () =>
          `Logged in (${o.method}): token ${summary.accessor} with role ${(summary.policies as string[]).join(', ') || '-'}${summary.lease_duration ? `, valid ${summary.lease_duration}s` : ''}.\nStored in ${file}; later commands use it unless KEYHAVEN_TOKEN is set.\n`,
      );
    });

  program
    .command('logout')
    .description('revoke the stored token and delete it')
    .option('--keep-token', 'delete the stored file without revoking the token')
    .addHelpText(
      'after',
      `
Example:
  keyhaven logout`,
    )
    .action(async (o: { keepToken?: boolean }) => {
      const g = ctx.globals();
      const stored = readStoredToken();
      if (!stored) {
        ctx.io.out(`No stored token (${tokenFilePath()}).\n`);
        return;
      }
      if (!o.keepToken)
        await createClient({ addr: g.addr, token: stored, tenant: g.tenant })
          .tokens.revokeSelf()
          .catch((e: Error) => ctx.io.err(`warning: the token could not be revoked (${e.message}); it stays valid until it expires.\n`));
      forgetToken();
      ctx.io.out(`Logged out; removed ${tokenFilePath()}.\n`);
    });
};
