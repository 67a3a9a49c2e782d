// The one configuration schema. Parsed once at boot from defaults, an optional YAML/JSON file, the
// environment and command-line flags (in that order of precedence), then frozen and passed in.
import { egressEntryProblem } from '../lib/egress.js';
import { z } from 'zod';
import { Cron } from 'croner';

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]*):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:8377')
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535');

/** Path segments under /v1 that the Keyhaven API owns, so no Vault mount may take them (delivery). */
export const RESERVED_MOUNTS = [
  'secrets',
  'tenants',
  'tokens',
  'audit',
  'sys',
  'policies',
  'roles',
  'fingerprints',
  'events',
  'auth',
  'rotation',
  'rotations',
  'providers',
  'references',
  'sync',
  'schedules',
  'admin',
  'console',
  'notifications',
];

export const configSchema = z
  .object({
    listen: listen.default('127.0.0.1:8377'),
    dataDir: z.string().min(1).default('./data'),
    /** `postgres://…` / `postgresql://…`, `sqlite:<path>`, a file path, or `:memory:`. Defaults to <dataDir>/keyhaven.db. */
    databaseUrl: z.string().min(1).optional(),
    /** PostgreSQL: the longest a query may go unanswered (a stalled network or database) before the
     *  request answers DATABASE_UNAVAILABLE and the connection is replaced. */
    databaseQueryTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
    /** Base64 (or 64 hex chars) of a 32-byte key. Mutually exclusive with masterKeyFile. */
    masterKey: z.string().min(1).optional(),
    /** Path of the master key file; created with mode 0600 on first start when missing. */
    masterKeyFile: z.string().min(1).optional(),
    // Case-insensitive: KEYHAVEN_LOG_LEVEL=DEBUG is accepted as debug.
    logLevel: z
      .preprocess(
        (v) => (typeof v === 'string' ? v.toLowerCase() : v),
        z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
      )
      .default('info'),
    /** Secret names in log lines: `hashed` (default; a keyed HMAC, stable across restarts, see
     *  docs/observability.md) or `clear`. */
    logSecretNames: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(['hashed', 'clear'])).default('hashed'),
    maxValueBytes: z
      .number()
      .int()
      .min(1)
      .max(16 * 1024 * 1024)
      .default(64 * 1024),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    defaultMaxVersions: z.number().int().min(1).max(10_000).default(20),
    tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
    audit: z
      .object({
        /** Where events go; at least one must accept each event or the request fails (fail closed). Empty = auditing off. */
        sinks: z.array(z.enum(['database', 'file', 'stdout'])).default(['database']),
        file: z.string().min(1).optional(),
        fsync: z.boolean().default(true),
        sinkTimeoutMs: z.number().int().min(10).max(60_000).default(2000),
        /** Prune entries older than this many days (a signed checkpoint keeps the chain verifiable). */
        retentionDays: z.number().int().min(1).max(36500).optional(),
        /** The chain's signed head kept outside the database, so truncation and rollback are detected
         *  (ADR 0008). Defaults to <dataDir>/audit-anchor.json; off for an in-memory database. */
        anchorFile: z.string().min(1).optional(),
        /** How often a signed digest of every chain head is written to audit_digests (ADR 0011): entries
         *  newer than the last digest are covered only by their chain's head row and the anchor file. */
        digestIntervalSeconds: z.number().int().min(1).max(86_400).default(60),
      })
      .strict()
      .default({}),
    /** Decrypted reads kept in the server's memory so hot reads skip the database and the cipher (on
     *  PostgreSQL invalidated across replicas through LISTEN/NOTIFY, ADR 0006). 0 bytes turns it off. */
    readCache: z
      .object({
        maxBytes: z
          .number()
          .int()
          .min(0)
          .max(4 * 1024 * 1024 * 1024)
          .default(32 * 1024 * 1024),
        ttlSeconds: z.number().int().min(1).max(86_400).default(300),
      })
      .strict()
      .default({}),
    /** How replicas on one PostgreSQL database hear each other's changes (ADR 0012). `log`: a write adds
     *  a row to `change_log` in its transaction, each replica sends a wake-up NOTIFY `notifyDelayMs` after
     *  its commits (one at a time: commits meanwhile share the next) and every replica reads the rows it has not seen, on a wake-up
     *  and at least every `pollMs`; caches are bypassed when no read of the log succeeded for
     *  `maxStalenessMs`. `notify`: the earlier design, a NOTIFY in every write's transaction (ADR 0006).
     *  Unused on SQLite. */
    changeFeed: z
      .object({
        mode: z.enum(['log', 'notify']).default('log'),
        pollMs: z.number().int().min(10).max(60_000).default(1000),
        maxStalenessMs: z.number().int().min(50).max(300_000).default(3000),
        notifyDelayMs: z.number().int().min(0).max(60_000).default(1),
        retentionSeconds: z.number().int().min(60).max(86_400).default(600),
      })
      .strict()
      .refine((c) => c.maxStalenessMs > c.pollMs, { message: 'maxStalenessMs must be larger than pollMs' })
      .default({}),
    /** The web console (packages/console) served at /ui/, and its cookie sessions. */
    console: z
      .object({
        enabled: z.boolean().default(true),
        /** The built console (vite output); defaults to packages/console/dist beside the server package. */
        dir: z.string().min(1).optional(),
        /** A session unused this long ends (idle expiry). */
        sessionIdleSeconds: z.number().int().min(60).max(86_400).default(900),
        /** A session ends this long after sign-in, however busy. */
        sessionMaxSeconds: z
          .number()
          .int()
          .min(300)
          .max(7 * 86_400)
          .default(8 * 3600),
        /** Single sign-on for people through an OpenID Connect provider (authorization code + PKCE). */
        oidc: z
          .object({
            issuer: z.string().url(),
            clientId: z.string().min(1),
            clientSecret: z.string().min(1).optional(),
            /** Where the provider sends people back: this server's public URL + /v1/console/oidc/callback. */
            redirectUrl: z.string().url(),
            scopes: z.array(z.string().min(1)).default(['openid', 'email', 'profile']),
            /** The ID token claim that names the person in tokens and the audit log. */
            nameClaim: z.string().min(1).default('email'),
            /** Who gets what: the first rule whose claim holds the value (or a list containing it) gives the role in the tenant. */
            roles: z
              .array(
                z
                  .object({ claim: z.string().min(1), value: z.string().min(1), tenant: z.string().min(1), role: z.string().min(1) })
                  .strict(),
              )
              .min(1),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    authFailureLimit: z.number().int().min(1).max(1_000_000).default(20),
    authFailureWindowSeconds: z.number().int().min(1).max(86_400).default(60),
    /** Trust X-Forwarded-For from a reverse proxy (true, or a list of proxy addresses). */
    trustProxy: z.union([z.boolean(), z.string()]).default(false),
    dev: z.boolean().default(false),
    devRootToken: z.string().min(1).optional(),
    /** The rotation engine: in-process scheduler, default intervals, leases, retries, batches. */
    rotation: z
      .object({
        /** Run the in-process scheduler (off: only POST /internal/scheduled-rotation and manual rotations). */
        enabled: z.boolean().default(true),
        schedules: z
          .object({
            monthly: z.string().min(1).default('0 2 1 * *'),
            critical: z.string().min(1).default('0 */6 * * *'),
            timezone: z.string().min(1).default('UTC'),
          })
          .strict()
          .default({}),
        /** Days between rotations by secret type; types not listed use `other`. */
        defaultIntervalDays: z
          .object({
            api_key: z.number().int().min(1).max(3650).default(30),
            oauth_token: z.number().int().min(1).max(3650).default(30),
            database_credentials: z.number().int().min(1).max(3650).default(90),
            jwt_secret: z.number().int().min(1).max(3650).default(180),
            encryption_key: z.number().int().min(1).max(3650).default(180),
            other: z.number().int().min(1).max(3650).default(90),
          })
          .strict()
          .default({}),
        /** How long a server owns a claimed rotation before another may take it over. */
        leaseSeconds: z.number().int().min(1).max(86_400).default(300),
        /** Retries after a failed rotation: base delay, doubled each time, capped. */
        retryBaseSeconds: z.number().int().min(1).max(86_400).default(300),
        retryMaxSeconds: z
          .number()
          .int()
          .min(1)
          .max(7 * 86_400)
          .default(6 * 3600),
        /** Rotations running at once in a batch, and rows claimed per round. */
        concurrency: z.number().int().min(1).max(256).default(8),
        batchSize: z.number().int().min(1).max(10_000).default(200),
        /** Bounded waits on rotation targets. */
        targetTimeoutMs: z.number().int().min(100).max(300_000).default(10_000),
        /** Rotations started per minute on one target (database host:port/database, Redis, provider,
         *  webhook host), per server; past it a rotation is deferred (ROTATION_RATE_LIMITED). */
        maxRotationsPerTargetPerMinute: z.number().int().min(1).max(100_000).default(30),
        /** Due secrets one call of POST /secrets/rotate-due or /internal/scheduled-rotation takes at most
         *  unless its body says `max`; the reply's `remaining` says how many are left. */
        maxPerCall: z.number().int().min(1).max(10_000).default(100),
        /** A due secret counts as overdue (keyhaven_secrets_rotation_overdue) once due this long. */
        overdueAfterMinutes: z
          .number()
          .int()
          .min(0)
          .max(7 * 24 * 60)
          .default(60),
      })
      .strict()
      .default({}),
    /** Provider features: reference cache and the sync worker (retries back off exponentially). */
    providers: z
      .object({
        referenceCacheTtlSeconds: z.number().int().min(0).max(86_400).default(60),
        referenceCacheMaxEntries: z.number().int().min(1).max(1_000_000).default(10_000),
        syncIntervalSeconds: z.number().int().min(1).max(86_400).default(15),
        syncConcurrency: z.number().int().min(1).max(64).default(4),
        syncRetryBaseSeconds: z.number().int().min(1).max(86_400).default(5),
        syncRetryMaxSeconds: z
          .number()
          .int()
          .min(1)
          .max(7 * 86_400)
          .default(3600),
        /** The env provider reads the server process's own environment: off unless the operator turns it
         *  on, and then only the variables in `allow` (names or globs such as APP_*). KEYHAVEN_* never. */
        env: z
          .object({
            enabled: z.boolean().default(false),
            allow: z
              .array(
                z
                  .string()
                  .regex(/^[A-Za-z0-9_*?]+$/, 'a variable name or a glob of letters, digits, "_", "*" and "?"')
                  .refine((g) => !/^KEYHAVEN_/i.test(g), "KEYHAVEN_* variables hold the server's own settings and are never served"),
              )
              .default([]),
          })
          .strict()
          .default({}),
        /** Providers configured without a credential would act with the SERVER's own identity: the AWS
         *  default chain (its environment, ~/.aws, instance metadata), Google application default
         *  credentials (GOOGLE_APPLICATION_CREDENTIALS, the metadata server), the server's kubeconfig or
         *  in-cluster service account. Off: a tenant must supply a credential unless the operator allows. */
        ambientCredentials: z.boolean().default(false),
        /** The dotenv provider reads and writes files on the server: off unless the operator turns it on,
         *  and then only files inside `directories` (absolute; symlinks resolved, `..` refused). */
        dotenv: z
          .object({
            enabled: z.boolean().default(false),
            directories: z
              .array(
                z
                  .string()
                  .min(1)
                  .refine((d) => d.startsWith('/'), 'must be an absolute directory path'),
              )
              .default([]),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    /** Where destinations a tenant supplies (provider endpoints, webhook URLs, database/Redis hosts)
     *  may lead. Default: anywhere but loopback, link-local (cloud metadata) and the unspecified
     *  address; `allow` (CIDRs, host names/globs) limits them to those listed, `deny` adds CIDRs. */
    egress: z
      .object({
        allowLoopback: z.boolean().default(false),
        allow: z
          .array(
            z
              .string()
              .min(1)
              .superRefine((e, ctx) => {
                const p = egressEntryProblem(e, false);
                if (p) ctx.addIssue({ code: 'custom', message: p });
              }),
          )
          .optional(),
        deny: z
          .array(
            z
              .string()
              .min(1)
              .superRefine((e, ctx) => {
                const p = egressEntryProblem(e, true);
                if (p) ctx.addIssue({ code: 'custom', message: p });
              }),
          )
          .default([]),
      })
      .strict()
      .default({}),
    /** Outbound notifications (docs/notifications.md): the delivery worker's polling, retries with
     *  exponential backoff (base doubled per attempt, capped), dead letters after maxAttempts, and
     *  expiry reminders a number of days before a manually rotated secret expires. */
    notifications: z
      .object({
        enabled: z.boolean().default(true),
        pollIntervalMs: z.number().int().min(50).max(3_600_000).default(1000),
        maxAttempts: z.number().int().min(1).max(100).default(8),
        retryBaseMs: z.number().int().min(10).max(3_600_000).default(2000),
        retryMaxMs: z
          .number()
          .int()
          .min(10)
          .max(86_400_000)
          .default(15 * 60_000),
        timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
        leaseSeconds: z.number().int().min(1).max(3600).default(60),
        batchSize: z.number().int().min(1).max(1000).default(100),
        concurrency: z.number().int().min(1).max(64).default(4),
        reminderDays: z.array(z.number().int().min(1).max(3650)).max(16).default([30, 7, 1]),
        reminderIntervalSeconds: z.number().int().min(1).max(86_400).default(3600),
        overdueGraceMinutes: z.number().int().min(0).max(100_000).default(60),
        retentionDays: z.number().int().min(1).max(3650).default(7),
      })
      .strict()
      .default({}),
    /** Where the master key is held: local (file/env, the default), aws-kms, gcp-kms, azure-kv-keys or vault-transit.
     *  The rest of the block is validated by that KEK source's own schema at boot. */
    masterKeySource: z
      .object({ kind: z.string().min(1) })
      .passthrough()
      .optional(),
    /** Create the default tenant and a root token on the first start of an empty store. */
    bootstrap: z.boolean().default(true),
    // delivery: the HashiCorp Vault KV v2-compatible API. Each mount serves /v1/<mount>/data|metadata|…
    // for the tenant it maps to (X-Vault-Namespace, when sent, names the tenant instead).
    vaultCompat: z
      .object({
        enabled: z.boolean().default(true),
        mounts: z
          .record(
            z
              .string()
              .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'mount names are lower-case letters, digits, "_" and "-"')
              .refine(
                (m) => !RESERVED_MOUNTS.includes(m),
                `this name belongs to the Keyhaven API (reserved: ${RESERVED_MOUNTS.join(', ')})`,
              ),
            z.string().min(1),
          )
          .default({ kv: 'default' }),
      })
      .strict()
      .default({}),
    // delivery: automatic KEK rotation of the keyring (seed 003 KEY_ROTATION_*), toggled at runtime by the admin API.
    keyRotation: z
      .object({
        enabled: z.boolean().default(false),
        intervalHours: z
          .number()
          .min(1 / 60)
          .max(24 * 3650)
          .default(168),
        /** A cron expression (5 fields, or 6 with seconds first); when set it replaces intervalHours. */
        schedule: z
          .string()
          .min(1)
          .superRefine((v, ctx) => {
            try {
              new Cron(v, { paused: true });
            } catch (e) {
              ctx.addIssue({
                code: 'custom',
                message: `not a valid cron expression (${(e as Error).message}), e.g. "0 3 * * 0" for Sundays at 03:00`,
              });
            }
          })
          .optional(),
        timezone: z
          .string()
          .min(1)
          .refine((tz) => {
            try {
              new Intl.DateTimeFormat('en-US', { timeZone: tz });
              return true;
            } catch {
              return false;
            }
          }, 'unknown IANA time zone (e.g. "UTC", "Europe/Paris")')
          .default('UTC'),
        batchSize: z.number().int().min(1).max(10_000).default(200),
        /** How often each replica looks at the shared schedule row (another replica's rotation or toggle). */
        checkSeconds: z.number().int().min(1).max(3600).default(60),
      })
      .strict()
      .default({}),
  })
  .strict();

/** Rules across settings, checked on the raw input so they are listed with every other problem. */
export const crossFieldProblems = (c: Partial<z.input<typeof configSchema>>): string[] => {
  const out: string[] = [];
  if (c.masterKey && c.masterKeyFile) out.push('masterKey: set either KEYHAVEN_MASTER_KEY or KEYHAVEN_MASTER_KEY_FILE, not both');
  if (c.audit?.sinks?.includes('file') && !c.audit.file) out.push('audit.file: the file audit sink needs a path (KEYHAVEN_AUDIT_FILE)');
  if (c.providers?.dotenv?.enabled && !c.providers.dotenv.directories?.length)
    out.push(
      'providers.dotenv.directories: the dotenv provider is enabled but no directory is allowed; list the directories its files may live in',
    );
  if (c.devRootToken && !c.dev) out.push('devRootToken: --dev-root-token only applies with --dev');
  return out;
};

export type KeyhavenConfigInput = z.input<typeof configSchema>;
export type KeyhavenConfig = Readonly<z.output<typeof configSchema>>;
