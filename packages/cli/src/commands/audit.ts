// `keyhaven audit log|access|export|anomalies|verify|checkpoint|seal|prune` and `keyhaven secrets access <name>`:
// the tamper-evident audit trail from the command line.
import { readFile, writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { AuditEvent, AuditFilter } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { print, renderTable, shortDate, type Column } from '../output.js';
import { CliError, UsageError } from '../errors.js';

const columns: Column<AuditEvent>[] = [
  { header: 'SEQ', value: (e) => e.seq },
  { header: 'TIME', value: (e) => shortDate(e.time) },
  { header: 'ACTOR', value: (e) => e.actor_name ?? e.actor_kind },
  { header: 'ACTION', value: (e) => e.action },
  { header: 'RESOURCE', value: (e) => e.resource ?? '' },
  { header: 'OUTCOME', value: (e) => e.outcome + (e.error_code ? ` (${e.error_code})` : '') },
  { header: 'VERSION', value: (e) => e.version ?? '' },
  { header: 'SOURCE', value: (e) => e.source_ip ?? '' },
];

interface FilterOpts {
  since?: string;
  until?: string;
  actor?: string;
  action?: string;
  outcome?: string;
  resource?: string;
  sourceIp?: string;
  limit?: string;
  before?: string;
  all?: boolean;
}

const withFilters = (cmd: Command) =>
  cmd
    .option('--since <time>', 'only events at or after this ISO time (or a duration such as 24h, 7d)')
    .option('--until <time>', 'only events before this ISO time')
    .option('--actor <id-or-name>', 'token id or name')
    .option('--action <action>', 'e.g. secret.read, or a prefix with * (secret.*)')
    .addOption(new Option('--outcome <outcome>', 'result').choices(['success', 'denied', 'error', 'attempt']))
    .option('--limit <n>', 'at most this many events (default 100)')
    .option('--before <seq>', 'page: only events older than this sequence number');

/** Accepts an ISO time or a duration back from now: 30m, 24h, 7d. */
export const parseSince = (v: string | undefined, now = Date.now()): string | undefined => {
  if (!v) return undefined;
  const m = /^(\d+)([mhd])$/.exec(v);
  if (m) return new Date(now - Number(m[1]) * { m: 60_000, h: 3600_000, d: 86400_000 }[m[2] as 'm' | 'h' | 'd']).toISOString();
  if (Number.isNaN(Date.parse(v))) throw new UsageError(`--since/--until must be an ISO time or a duration such as 24h (got "${v}")`);
  return new Date(v).toISOString();
};

const filterOf = (o: FilterOpts): AuditFilter => {
  const num = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number`);
    return n;
  };
  return {
    since: parseSince(o.since),
    until: parseSince(o.until),
    actor: o.actor,
    action: o.action,
    outcome: o.outcome,
    resource: o.resource,
    source_ip: o.sourceIp,
    limit: num(o.limit, '--limit'),
    before: num(o.before, '--before'),
  };
};

export const registerAuditCommands = (program: Command, ctx: CommandContext) => {
  const audit = program.command('audit').description('the tamper-evident audit trail: who did what, when, from where');

  withFilters(audit.command('log'))
    .description('audit events of the current tenant, newest first (--all: every tenant, root token)')
    .option('--resource <name>', 'only events about this secret')
    .option('--source-ip <ip>', 'only events from this address')
    .option('--all', 'every tenant and system events such as failed logins (root token)')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven audit log --since 24h --outcome denied
  keyhaven audit log --action 'secret.*' --actor deploy-bot --format json
  keyhaven audit log --all --outcome denied --limit 50`,
    )
    .action(async (o: FilterOpts) => {
      const page = await ctx.getClient().audit.events(filterOf(o), o.all);
      print(
        ctx.io,
        ctx.globals().format,
        page,
        () => renderTable(page.items, columns, ctx.io.color) + (page.next_before ? `(more: --before ${page.next_before})\n` : ''),
      );
    });

  withFilters(audit.command('access'))
    .description('who accessed one secret, when, and with what result')
    .argument('<name>', 'secret name')
    .addHelpText(
      'after',
      `
Example:
  keyhaven audit access apps/billing/db-password --since 7d`,
    )
    .action(async (name: string, o: FilterOpts) => {
      const page = await ctx.getClient().audit.access(name, filterOf(o));
      print(ctx.io, ctx.globals().format, page, () => renderTable(page.items, columns, ctx.io.color));
    });

  // The same per-secret access history under `keyhaven secrets access <name>` (seed 000 access tracking).
  const secrets = program.commands.find((c) => c.name() === 'secrets');
  if (secrets) {
    withFilters(secrets.command('access'))
      .description('who accessed this secret, when, and with what result (admin)')
      .argument('<name>', 'secret name')
      .addHelpText(
        'after',
        `
Example:
  keyhaven secrets access apps/billing/db-password --outcome denied`,
      )
      .action(async (name: string, o: FilterOpts) => {
        const page = await ctx.getClient().audit.access(name, filterOf(o));
        print(ctx.io, ctx.globals().format, page, () => renderTable(page.items, columns, ctx.io.color));
      });
  }

  audit
    .command('export')
    .description('export events oldest first as JSON lines or CSV')
    .addOption(new Option('--as <format>', 'file format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--since <time>', 'ISO time or duration (24h, 7d)')
    .option('--until <time>', 'ISO time')
    .option('--action <action>', 'only this action')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--all', 'every tenant (root token)')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven audit export --as csv --since 30d -o audit.csv
  keyhaven audit export --all > audit.jsonl`,
    )
    .action(async (o: { as: 'jsonl' | 'csv'; since?: string; until?: string; action?: string; output?: string; all?: boolean }) => {
      const text = await ctx
        .getClient()
        .audit.export(o.as, { since: parseSince(o.since), until: parseSince(o.until), action: o.action }, o.all);
      if (o.output) await writeFile(o.output, text, { mode: 0o600 });
      else ctx.io.out(text);
    });

  audit
    .command('anomalies')
    .description('anomaly signals: repeated failures, unusual volume, new source addresses, stale reads after emergency rotation')
    .option('--all', 'every tenant (root token)')
    .addHelpText(
      'after',
      `
Example:
  keyhaven audit anomalies --format json`,
    )
    .action(async (o: { all?: boolean }) => {
      const items = await ctx.getClient().audit.anomalies(o.all);
      print(ctx.io, ctx.globals().format, items, () =>
        items.length
          ? renderTable(
              items,
              [
                { header: 'KIND', value: (a) => a.kind },
                { header: 'COUNT', value: (a) => a.count },
                { header: 'LAST SEEN', value: (a) => shortDate(a.last_seen) },
                { header: 'SUMMARY', value: (a) => a.summary },
              ],
              ctx.io.color,
            )
          : 'No anomalies.\n',
      );
    });

  audit
    .command('verify')
    .description(
      'verify the hash chains (one per tenant), their signed heads, the signed digest of every head and the anchor outside the database; lists every edited, deleted, reordered, truncated or rolled-back place by chain and position (root token)',
    )
    .option('--chain <id>', "verify one chain only: a tenant id, 'system' or '~legacy' (root token)")
    .option('--own', 'verify only the chain of the tenant given by --tenant (a tenant admin token is enough)')
    .option('--file <export.jsonl>', "verify an exported trail (keyhaven audit export) with the server's key instead of the stored chains")
    .option('--all', "with --file: an export of any chains (root token); otherwise the current tenant's")
    .addHelpText(
      'after',
      `
Exit status: 0 when the chains verify, 1 when one is damaged (AUDIT_CHAIN_DAMAGED).

Examples:
  keyhaven audit verify || echo "audit log was tampered with"
  keyhaven audit verify --own --tenant acme
  keyhaven audit export -o acme.jsonl --tenant acme && keyhaven audit verify --file acme.jsonl --tenant acme`,
    )
    .action(async (o: { chain?: string; own?: boolean; file?: string; all?: boolean }) => {
      const client = ctx.getClient();
      if (o.file) {
        const text = await readFile(o.file, 'utf8').catch((e: NodeJS.ErrnoException) => {
          throw new UsageError(`cannot read ${o.file} (${e.code ?? 'error'})`);
        });
        const r = await client.audit.verifyExport(text, o.all);
        print(ctx.io, ctx.globals().format, r, () =>
          r.ok
            ? `OK: ${r.checked} entries of the export verified in ${r.chains.length} chain(s)${r.legacy_entries ? `; ${r.legacy_entries} legacy entries checked one by one` : ''}.\n`
            : `DAMAGED (AUDIT_CHAIN_DAMAGED): ${r.problems.length}${r.more_problems ? '+' : ''} problem(s) in the export, ${r.checked} entries checked.\n` +
              r.problems.map((p) => `  ${p.kind}${p.seq !== null ? ` at ${p.seq}` : ''}: ${p.reason}\n`).join(''),
        );
        if (!r.ok) throw new CliError('the audit export does not verify (AUDIT_CHAIN_DAMAGED); see docs/audit.md');
        return;
      }
      const chain = o.chain === 'system' ? '' : o.chain;
      const r = await client.audit.verify(o.own ? { tenant: true } : { chain });
      print(ctx.io, ctx.globals().format, r, () => {
        const anchor = r.anchor
          ? ` Anchor: ${r.anchor.status}${r.anchor.seq !== null ? ` (${o.own || chain !== undefined ? 'entry' : 'digest'} ${r.anchor.seq})` : ''}.`
          : '';
        const digest = r.digest ? ` Digest: ${r.digest.seq} (${r.digest.chains} chains, ${r.digest.time}).` : '';
        const seals = r.seals?.length ? ` Sealed breaks: ${r.seals.map((x) => `${x.seq} (${x.reason ?? 'no reason'})`).join(', ')}.` : '';
        const scope = o.own || chain !== undefined ? ' in 1 chain' : ` in ${r.chains?.length ?? 1} chains`;
        if (r.ok)
          return `OK: ${r.checked} entries verified${scope}${r.from_checkpoint ? ` from signed checkpoint ${r.from_checkpoint}` : ''}.${digest}${anchor}${seals}\n`;
        const problems = r.problems?.length
          ? r.problems
          : r.broken
            ? [{ kind: 'broken', chain: r.broken.chain ?? null, seq: r.broken.seq, reason: r.broken.reason }]
            : [];
        return (
          `DAMAGED (AUDIT_CHAIN_DAMAGED): ${problems.length}${r.more_problems ? '+' : ''} problem(s), ${r.checked} entries checked${scope}.${digest}${anchor}${seals}\n` +
          problems.map((p) => `  ${p.kind}${p.seq !== null ? ` at ${p.seq}` : ''}: ${p.reason}\n`).join('') +
          (r.appends === 'refused'
            ? 'The server refuses to append to the damaged chain until the audit tables are restored or the break is sealed (keyhaven audit seal --reason ...).\n'
            : '')
        );
      });
      if (!r.ok) throw new CliError('the audit chain does not verify (AUDIT_CHAIN_DAMAGED); see docs/audit.md for recovery');
    });

  audit
    .command('checkpoint')
    .description(
      'write and print a signed digest of every chain head (number, time, hash, the heads, signature) to publish outside Keyhaven (root token)',
    )
    .addHelpText(
      'after',
      `
Example:
  keyhaven audit checkpoint --format json >> checkpoints.jsonl`,
    )
    .action(async () => {
      const c = await ctx.getClient().audit.checkpoint();
      print(
        ctx.io,
        ctx.globals().format,
        c,
        () => `digest ${c.seq} of ${c.heads.length} chain heads ${c.hash} at ${c.time} signature ${c.signature}\n`,
      );
    });

  audit
    .command('seal')
    .description(
      'acknowledge a break in a damaged chain: the break is recorded as an entry and verification starts again after it (root token)',
    )
    .requiredOption('--reason <text>', 'why the break is acknowledged (recorded in the chain)')
    .addHelpText(
      'after',
      `
Run keyhaven audit verify first and keep its output: entries before the seal are no longer verified.

Example:
  keyhaven audit seal --reason "restored from the 02:00 backup after disk loss, ticket OPS-1234"`,
    )
    .action(async (o: { reason: string }) => {
      const r = await ctx.getClient().audit.seal(o.reason);
      print(
        ctx.io,
        ctx.globals().format,
        r,
        () =>
          `Sealed: ${r.acknowledged.length} problem(s) acknowledged; verification starts after entry ${r.sealed_at}, the seal is entry ${r.seal_seq}.\n`,
      );
    });

  audit
    .command('prune')
    .description('delete entries older than N days, keeping a signed checkpoint (root token)')
    .requiredOption('--older-than-days <n>', 'age in days')
    .action(async (o: { olderThanDays: string }) => {
      const n = Number(o.olderThanDays);
      if (!Number.isInteger(n) || n < 1) throw new UsageError('--older-than-days must be a positive whole number');
      const r = await ctx.getClient().audit.prune(n);
      print(
        ctx.io,
        ctx.globals().format,
        r,
        () => `Pruned ${r.pruned} entries${r.checkpoint ? ` (checkpoint at ${r.checkpoint})` : ''}.\n`,
      );
    });
  return audit;
};
