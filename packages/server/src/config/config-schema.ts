// The one configuration schema. Parsed once at boot from defaults, an optional YAML/JSON file, the
// environment and command-line flags (in that order of precedence), then frozen and passed in.
import { z } from 'zod';

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]*):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:8377')
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535');

export const configSchema = z
  .object({
    listen: listen.default('127.0.0.1:8377'),
    dataDir: z.string().min(1).default('./data'),
    /** `postgres://…` / `postgresql://…`, `sqlite:<path>`, a file path, or `:memory:`. Defaults to <dataDir>/keyhaven.db. */
    databaseUrl: z.string().min(1).optional(),
    /** Base64 (or 64 hex chars) of a 32-byte key. Mutually exclusive with masterKeyFile. */
    masterKey: z.string().min(1).optional(),
    /** Path of the master key file; created with mode 0600 on first start when missing. */
    masterKeyFile: z.string().min(1).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    maxValueBytes: z.number().int().min(1).max(16 * 1024 * 1024).default(64 * 1024),
    maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
    defaultMaxVersions: z.number().int().min(1).max(10_000).default(20),
    tls: z
      .object({ certFile: z.string().min(1), keyFile: z.string().min(1) })
      .optional(),
    audit: z
      .object({
        /** Where events go; at least one must accept each event or the request fails (fail closed). Empty = auditing off. */
        sinks: z.array(z.enum(['database', 'file', 'stdout'])).default(['database']),
        file: z.string().min(1).optional(),
        fsync: z.boolean().default(true),
        sinkTimeoutMs: z.number().int().min(10).max(60_000).default(2000),
        /** Prune entries older than this many days (a signed checkpoint keeps the chain verifiable). */
        retentionDays: z.number().int().min(1).max(36500).optional(),
      })
      .strict()
      .default({}),
    authFailureLimit: z.number().int().min(1).max(1_000_000).default(20),
    authFailureWindowSeconds: z.number().int().min(1).max(86_400).default(60),
    /** Trust X-Forwarded-For from a reverse proxy (true, or a list of proxy addresses). */
    trustProxy: z.union([z.boolean(), z.string()]).default(false),
    dev: z.boolean().default(false),
    devRootToken: z.string().min(1).optional(),
    /** Create the default tenant and a root token on the first start of an empty store. */
    bootstrap: z.boolean().default(true),
  })
  .strict();

/** Rules across settings, checked on the raw input so they are listed with every other problem. */
export const crossFieldProblems = (c: Partial<z.input<typeof configSchema>>): string[] => {
  const out: string[] = [];
  if (c.masterKey && c.masterKeyFile) out.push('masterKey: set either KEYHAVEN_MASTER_KEY or KEYHAVEN_MASTER_KEY_FILE, not both');
  if (c.audit?.sinks?.includes('file') && !c.audit.file) out.push('audit.file: the file audit sink needs a path (KEYHAVEN_AUDIT_FILE)');
  if (c.devRootToken && !c.dev) out.push('devRootToken: --dev-root-token only applies with --dev');
  return out;
};

export type KeyhavenConfigInput = z.input<typeof configSchema>;
export type KeyhavenConfig = Readonly<z.output<typeof configSchema>>;
