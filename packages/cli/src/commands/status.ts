// `keyhaven status`: where the CLI points (server address, tenant), whether the server is healthy,
// the CLI and server versions, and who the token is (name, kind, role, expiry from /v1/tokens/self).
// Exit 0 when healthy and authenticated, 1 when the token is refused, 3 when the server is unreachable.
import type { Command } from 'commander';
import { KeyhavenApiError } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { describeError } from '../errors.js';
import { raiseExitCode } from '../exit-code.js';
import { print, renderFields, shortDate } from '../output.js';
import { CLI_VERSION } from '../version.js';

const serverVersion = async (addr: string): Promise<string | null> => {
  try {
    const r = await fetch(new URL('/openapi.json', addr), { signal: AbortSignal.timeout(5_000) });
    if (!r.ok) return null;
    return ((await r.json()) as { info?: { version?: string } }).info?.version ?? null;
  } catch {
    return null;
  }
};

export const registerStatusCommand = (program: Command, ctx: CommandContext) =>
  program
    .command('status')
    .description('server address, health, versions, and who the token is (name, kind, role, expiry) in which tenant')
    .addHelpText(
      'after',
      `
Exit codes: 0 healthy and authenticated, 1 the token is missing or refused, 3 the server is unreachable.
Examples:
  keyhaven status
  keyhaven status --format json`,
    )
    .action(async () => {
      const g = ctx.globals();
      const client = ctx.getClient();
      const health = await client.health(); // unreachable → exit 3 with a KEYHAVEN_ADDR hint
      const version = await serverVersion(g.addr);
      let identity: Record<string, unknown> | null = null;
      let authError: string | null = null;
      try {
        const t = await client.tokens.self();
        identity = {
          id: t.id,
          name: t.name,
          kind: t.kind,
          role: t.is_root ? 'root' : t.role,
          tenant: t.tenant,
          expires_at: t.expires_at ?? null,
        };
      } catch (e) {
        if (!(e instanceof KeyhavenApiError)) throw e;
        authError = describeError(e).message;
        raiseExitCode(1);
      }
      const data = {
        addr: g.addr,
        tenant: g.tenant,
        health,
        cli_version: CLI_VERSION,
        server_version: version,
        token: identity,
        ...(authError ? { error: authError } : {}),
      };
      print(
        ctx.io,
        g.format,
        data,
        () =>
          renderFields([
            ['Server', g.addr],
            ['Health', `${health.status} (database ${health.database})`],
            ['Server version', version],
            ['CLI version', CLI_VERSION],
            ['Tenant', g.tenant],
            ['Token', identity ? `${identity.name} (${identity.id})` : 'not authenticated'],
            ['Kind', identity?.kind],
            ['Role', identity?.role],
            ['Expires', identity ? shortDate(identity.expires_at as string | null) || 'never' : null],
          ]) + (authError ? `${authError}\n` : ''),
      );
    });
