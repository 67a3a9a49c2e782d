// `keyhaven auth approle|kubernetes|jwt ...`: administration of machine-identity logins in the
// current tenant (admin token): login roles, AppRole role_ids and secret_ids (a secret_id is printed
// once), and the Kubernetes and JWT method configuration. Logging in is `keyhaven login`.
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { LoginRoleSettings } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { print, renderFields, renderTable, shortDate } from '../output.js';
import { collect, parseDuration, parsePair, parsePositiveInt } from '../parse.js';

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
const readText = async (file: string, flag: string) => {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
};

interface TokenFlags {
  tokenRole?: string;
  ttl?: string;
  maxTtl?: string;
  tokenCidrs?: string;
}
const addTokenFlags = (c: Command) =>
  c
    .option('--token-role <role>', 'Keyhaven role of the issued tokens: read, write, delete, admin or a custom role')
    .option('--ttl <duration>', 'token TTL (default 1h)')
    .option('--max-ttl <duration>', 'longest a token lives, renewals included (default 24h)')
    .option('--token-cidrs <cidrs>', 'comma-separated CIDRs the tokens may be used from');
const tokenSettings = (o: TokenFlags): LoginRoleSettings => ({
  ...(o.tokenRole ? { token_role: o.tokenRole } : {}),
  ...(o.ttl ? { token_ttl: parseDuration('--ttl', o.ttl) } : {}),
  ...(o.maxTtl ? { token_max_ttl: parseDuration('--max-ttl', o.maxTtl) } : {}),
  ...(o.tokenCidrs !== undefined ? { token_bound_cidrs: list(o.tokenCidrs) } : {}),
});

export const registerAuthCommands = (program: Command, ctx: CommandContext) => {
  const auth = program
    .command('auth')
    .description('administer machine-identity logins (AppRole, Kubernetes, JWT/OIDC) of the current tenant');
  const c = () => ctx.getClient().auth;
  const fmt = () => ctx.globals().format;

  /** `O`: the options `put` adds, which `settings` turns into the role's settings. */
  const roleCommands = <O>(
    parent: Command,
    method: 'approle' | 'kubernetes' | 'jwt',
    put: (cmd: Command) => Command,
    settings: (o: O) => LoginRoleSettings,
    example: string,
  ) => {
    const role = parent.command('role').description(`${method} login roles`);
    put(addTokenFlags(role.command('put').description(`create or update a ${method} login role`).argument('<name>', 'role name')))
      .addHelpText('after', `\nExample:\n  ${example}`)
      .action(async (name: string, o: TokenFlags & O) => {
        await c()[method].roles.put(name, { ...tokenSettings(o), ...settings(o) });
        ctx.io.out(`Saved ${method} role ${name}.\n`);
      });
    role
      .command('get')
      .description(`show a ${method} login role`)
      .argument('<name>', 'role name')
      .action(async (name: string) => {
        const r = await c()[method].roles.get(name);
        print(ctx.io, fmt(), r, () => renderFields(Object.entries(r).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : v])));
      });
    role
      .command('list')
      .description(`list ${method} login roles`)
      .action(async () => {
        const names = await c()[method].roles.list();
        print(ctx.io, fmt(), names, () => names.map((n) => `${n}\n`).join(''));
      });
    role
      .command('delete')
      .description(`delete a ${method} login role${method === 'approle' ? ' and its secret_ids' : ''}`)
      .argument('<name>', 'role name')
      .action(async (name: string) => {
        await c()[method].roles.delete(name);
        ctx.io.out(`Deleted ${method} role ${name}.\n`);
      });
  };

  // --- AppRole ---
  const approle = auth.command('approle').description('AppRole: role_id + secret_id logins for machines');
  roleCommands(
    approle,
    'approle',
    (cmd) =>
      cmd
        .option('--secret-id-ttl <duration>', 'lifetime of issued secret_ids (default: no expiry)')
        .option('--secret-id-uses <n>', 'logins each secret_id allows (default: unlimited)')
        .option('--secret-id-cidrs <cidrs>', 'comma-separated CIDRs secret_ids may log in from'),
    (o: { secretIdTtl?: string; secretIdUses?: string; secretIdCidrs?: string }) => ({
      ...(o.secretIdTtl ? { secret_id_ttl: parseDuration('--secret-id-ttl', o.secretIdTtl) } : {}),
      ...(o.secretIdUses ? { secret_id_num_uses: parsePositiveInt('--secret-id-uses', o.secretIdUses) } : {}),
      ...(o.secretIdCidrs !== undefined ? { secret_id_bound_cidrs: list(o.secretIdCidrs) } : {}),
    }),
    'keyhaven auth approle role put deployer --token-role read --ttl 15m --max-ttl 1h --secret-id-uses 1 --secret-id-ttl 10m',
  );
  approle
    .command('role-id')
    .description('print the role_id of a role')
    .argument('<name>', 'role name')
    .action(async (name: string) => {
      const id = await c().approle.roleId(name);
      print(ctx.io, fmt(), { role_id: id }, () => `${id}\n`);
    });
  const sid = approle.command('secret-id').description('secret_ids of a role');
  sid
    .command('issue')
    .description('issue a secret_id; it is printed once and stored only as a hash')
    .argument('<role>', 'role name')
    .option('--ttl <duration>', "lifetime (at most the role's secret_id TTL)")
    .option('--uses <n>', "logins it allows (at most the role's)")
    .option('--cidrs <cidrs>', 'comma-separated CIDRs it may log in from')
    .option('--meta <key=value>', 'metadata copied to the tokens (repeatable)', collect)
    .addHelpText(
      'after',
      `
Examples:
  keyhaven auth approle secret-id issue deployer --uses 1 --ttl 10m
  keyhaven auth approle secret-id issue deployer --format json | jq -r .secret_id > secret-id`,
    )
    .action(async (role: string, o: { ttl?: string; uses?: string; cidrs?: string; meta?: string[] }) => {
      const s = await c().approle.issueSecretId(role, {
        ...(o.ttl ? { ttl: parseDuration('--ttl', o.ttl) } : {}),
        ...(o.uses ? { num_uses: parsePositiveInt('--uses', o.uses) } : {}),
        ...(o.cidrs ? { cidr_list: list(o.cidrs) } : {}),
        ...(o.meta?.length ? { metadata: Object.fromEntries(o.meta.map((p) => parsePair('--meta', p))) } : {}),
      });
      print(
        ctx.io,
        fmt(),
        s,
        () =>
          `Issued secret_id (accessor ${s.secret_id_accessor}${s.expires_at ? `, expires ${shortDate(s.expires_at)}` : ''}${s.secret_id_num_uses ? `, ${s.secret_id_num_uses} use(s)` : ''}). Store it now, it is not shown again:\n${s.secret_id}\n`,
      );
    });
  sid
    .command('list')
    .description("list the accessors of a role's secret_ids (never the secret_ids)")
    .argument('<role>', 'role name')
    .action(async (role: string) => {
      const items = await c().approle.listSecretIds(role);
      print(ctx.io, fmt(), items, () =>
        renderTable(
          items,
          [
            { header: 'ACCESSOR', value: (s) => s.secret_id_accessor },
            { header: 'CREATED', value: (s) => shortDate(s.creation_time) },
            { header: 'EXPIRES', value: (s) => shortDate(s.expiration_time || null) },
            { header: 'USES LEFT', value: (s) => s.secret_id_num_uses || 'unlimited' },
            { header: 'CIDRS', value: (s) => s.cidr_list.join(',') },
          ],
          ctx.io.color,
        ),
      );
    });
  sid
    .command('destroy')
    .description('destroy a secret_id by its accessor')
    .argument('<role>', 'role name')
    .argument('<accessor>', 'secret_id accessor')
    .action(async (role: string, accessor: string) => {
      await c().approle.destroySecretId(role, accessor);
      ctx.io.out(`Destroyed secret_id ${accessor}.\n`);
    });

  // --- Kubernetes ---
  const k8s = auth.command('kubernetes').description('Kubernetes: service-account token logins');
  k8s
    .command('config')
    .description('configure the Kubernetes login: the TokenReview API, or keys to verify tokens locally')
    .option('--host <url>', 'Kubernetes API server URL (TokenReview)')
    .option('--ca-file <file>', 'PEM CA certificate of the API server')
    .option(
      '--reviewer-jwt-file <file>',
      'token of a service account allowed to create TokenReviews (system:auth-delegator); default: the presented token',
    )
    .option(
      '--pem-file <file>',
      "PEM public key of the cluster's service-account issuer, to verify tokens without the API (repeatable)",
      collect,
    )
    .option('--issuer <iss>', 'expected "iss" of service-account tokens (local verification)')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven auth kubernetes config --host https://10.0.0.1:6443 --ca-file ca.crt --reviewer-jwt-file reviewer.jwt
  keyhaven auth kubernetes config --pem-file sa.pub --issuer https://kubernetes.default.svc.cluster.local`,
    )
    .action(async (o: { host?: string; caFile?: string; reviewerJwtFile?: string; pemFile?: string[]; issuer?: string }) => {
      await c().kubernetes.config.put({
        ...(o.host ? { kubernetes_host: o.host } : {}),
        ...(o.caFile ? { kubernetes_ca_cert: await readText(o.caFile, '--ca-file') } : {}),
        ...(o.reviewerJwtFile ? { token_reviewer_jwt: (await readText(o.reviewerJwtFile, '--reviewer-jwt-file')).trim() } : {}),
        ...(o.pemFile?.length ? { pem_keys: await Promise.all(o.pemFile.map((f) => readText(f, '--pem-file'))) } : {}),
        ...(o.issuer ? { issuer: o.issuer } : {}),
      });
      ctx.io.out('Saved the Kubernetes login configuration.\n');
    });
  k8s
    .command('show-config')
    .description('show the Kubernetes login configuration (never the reviewer token)')
    .action(async () => {
      const r = await c().kubernetes.config.get();
      print(ctx.io, fmt(), r, () => renderFields(Object.entries(r).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : v])));
    });
  roleCommands(
    k8s,
    'kubernetes',
    (cmd) =>
      cmd
        .addOption(new Option('--service-accounts <names>', 'comma-separated service account names ("*" for any)').makeOptionMandatory())
        .addOption(new Option('--namespaces <names>', 'comma-separated namespaces ("*" for any)').makeOptionMandatory())
        .option('--audience <aud>', 'audience the token must carry'),
    (o: { serviceAccounts: string; namespaces: string; audience?: string }) => ({
      bound_service_account_names: list(o.serviceAccounts),
      bound_service_account_namespaces: list(o.namespaces),
      ...(o.audience ? { audience: o.audience } : {}),
    }),
    'keyhaven auth kubernetes role put payments-api --service-accounts api --namespaces payments --token-role read --ttl 1h',
  );

  // --- JWT / OIDC ---
  const jwt = auth
    .command('jwt')
    .alias('oidc')
    .description('JWT/OIDC: CI tokens (GitHub Actions, GitLab) verified against a JWKS URL or PEM keys');
  jwt
    .command('config')
    .description('configure the JWT login: a JWKS URL or PEM public keys, and the issuer')
    .option('--jwks-url <url>', 'JWKS URL (for GitHub Actions https://token.actions.githubusercontent.com/.well-known/jwks)')
    .option('--pem-file <file>', 'PEM public key that signs the tokens (repeatable; instead of --jwks-url)', collect)
    .option('--issuer <iss>', 'expected "iss"')
    .addHelpText(
      'after',
      `
Example:
  keyhaven auth jwt config --jwks-url https://token.actions.githubusercontent.com/.well-known/jwks --issuer https://token.actions.githubusercontent.com`,
    )
    .action(async (o: { jwksUrl?: string; pemFile?: string[]; issuer?: string }) => {
      await c().jwt.config.put({
        ...(o.jwksUrl ? { jwks_url: o.jwksUrl } : {}),
        ...(o.pemFile?.length ? { jwt_validation_pubkeys: await Promise.all(o.pemFile.map((f) => readText(f, '--pem-file'))) } : {}),
        ...(o.issuer ? { bound_issuer: o.issuer } : {}),
      });
      ctx.io.out('Saved the JWT login configuration.\n');
    });
  jwt
    .command('show-config')
    .description('show the JWT login configuration')
    .action(async () => {
      const r = await c().jwt.config.get();
      print(ctx.io, fmt(), r, () => renderFields(Object.entries(r).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : v])));
    });
  roleCommands(
    jwt,
    'jwt',
    (cmd) =>
      cmd
        .option('--audience <aud>', 'accepted "aud" (repeatable)', collect)
        .option('--subject <sub>', 'required "sub"')
        .option('--claim <claim=value>', 'required claim value, "*" as wildcard (repeatable; a claim given twice accepts either)', collect)
        .option('--map <claim=key>', 'copy a claim into the token metadata (repeatable)', collect)
        .option('--user-claim <claim>', 'claim that names who logged in (default sub)'),
    (o: { audience?: string[]; subject?: string; claim?: string[]; map?: string[]; userClaim?: string }) => {
      const claims: Record<string, string[]> = {};
      for (const p of o.claim ?? []) {
        const [k, v] = parsePair('--claim', p);
        (claims[k] ??= []).push(v);
      }
      return {
        ...(o.audience?.length ? { bound_audiences: o.audience } : {}),
        ...(o.subject ? { bound_subject: o.subject } : {}),
        ...(o.claim?.length ? { bound_claims: claims } : {}),
        ...(o.map?.length ? { claim_mappings: Object.fromEntries(o.map.map((p) => parsePair('--map', p))) } : {}),
        ...(o.userClaim ? { user_claim: o.userClaim } : {}),
      };
    },
    'keyhaven auth jwt role put deploy --audience https://github.com/acme --claim repository=acme/app --claim ref=refs/heads/main --map repository=repo --token-role read',
  );
  return auth;
};
