// The dotenv provider: one .env file as a flat secret store (KEY=value). Keeps comments and order,
// writes atomically (temp file + rename, mode 0600), versions are content hashes (used for CAS).
// It reaches the server's file system, so it is off unless the operator enables providers.dotenv, and
// every operation resolves the file's real path again and refuses one outside providers.dotenv.directories.
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsc, promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { fail } from '../../lib/errors.js';
import { capabilityMissing, checkName, checkSize, notFound } from '../provider-support.js';
import type {
  Label,
  Provider,
  ProviderCapabilities,
  ProviderContext,
  ProviderDefinition,
  ProviderSecretVersion,
} from '../provider-types.js';
import { getEntry, parseDotenv, printDotenv, removeEntry, setEntry, type DotenvEntry } from './dotenv-format.js';

const KIND = 'dotenv';
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const NAME_RULE = 'letters, digits and "_", not starting with a digit, at most 255 characters (like environment variable names)';

export const dotenvConfigSchema = z.object({ path: z.string().min(1), createIfMissing: z.boolean().default(true) }).strict();
export type DotenvConfig = z.infer<typeof dotenvConfigSchema>;

export const dotenvCapabilities: ProviderCapabilities = {
  versions: false,
  labels: false,
  cas: true,
  disableVersions: false,
  writable: true,
  maxValueBytes: 1024 * 1024,
  nameRule: NAME_RULE,
};

const hash = (v: string) => createHash('sha256').update(v).digest('hex').slice(0, 16);
const locks = new Map<string, Promise<unknown>>();

/** Serialises read-modify-write cycles on one file within this process. */
const locked = <T>(file: string, fn: () => Promise<T>): Promise<T> => {
  const prev = locks.get(file) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  locks.set(
    file,
    next.catch(() => undefined),
  );
  return next;
};

const forbidden = (given: string, why: string) =>
  fail(
    'PROVIDER_PATH_FORBIDDEN',
    `dotenv: the path ${JSON.stringify(given)} ${why}; use a file inside one of the directories the operator allows (providers.dotenv.directories).`,
    { kind: KIND, path: given },
  );

const inside = (dir: string, p: string) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/** The real path of `p`: symlinks resolved in every part that exists; the missing tail appended as is. */
const realOf = async (p: string): Promise<string> => {
  const tail: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return path.join(await fs.realpath(cur), ...tail.reverse());
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      const up = path.dirname(cur);
      if (up === cur) return p;
      tail.push(path.basename(cur));
      cur = up;
    }
  }
};

/** Resolves a configured path against the operator's directories and returns the real file it names,
 *  or throws PROVIDER_PATH_FORBIDDEN: a ".." segment, an absolute path outside every allowed directory,
 *  a symlink (file or directory) leading out of them, or one of Keyhaven's own files. A relative path
 *  is taken from the first allowed directory. */
export const confinePath = async (given: string, ctx: ProviderContext): Promise<string> => {
  const dirs = ctx.host.dotenv.directories;
  if (given.includes('\0')) throw forbidden(given, 'holds a NUL character');
  if (given.split(/[\\/]+/).includes('..')) throw forbidden(given, 'contains a ".." segment');
  if (dirs.length === 0) throw forbidden(given, 'cannot be used: the operator allows no directory');
  const lexical = path.isAbsolute(given) ? path.resolve(given) : path.resolve(dirs[0]!, given);
  const real = await realOf(lexical);
  const allowed = await Promise.all(dirs.map((d) => realOf(path.resolve(d))));
  if (!allowed.some((d) => inside(d, real) && real !== d)) {
    throw forbidden(
      given,
      real === lexical ? 'is outside the allowed directories' : 'leads (through a symbolic link) outside the allowed directories',
    );
  }
  const own = await Promise.all(ctx.protectedPaths.map((x) => realOf(path.resolve(x))));
  if (own.some((x) => inside(x, real) || inside(real, x))) throw forbidden(given, "names one of Keyhaven's own files or directories");
  return real;
};

/** `ctx` carries the operator's allowed directories; every operation confines the path again, so a
 *  symbolic link created or changed later is caught too. */
export const createDotenvProvider = (config: DotenvConfig, ctx: ProviderContext): Provider => {
  const file = path.isAbsolute(config.path) ? path.resolve(config.path) : path.resolve(ctx.host.dotenv.directories[0] ?? '/', config.path);
  const real = () => confinePath(config.path, ctx);
  const version = (name: string, value: string): ProviderSecretVersion => ({ name, version: hash(value), value, labels: ['current'] });

  const load = async (): Promise<DotenvEntry[]> => {
    const target = await real();
    try {
      // O_NOFOLLOW: a symbolic link put in place after the check is refused, not followed.
      return parseDotenv(await fs.readFile(target, { encoding: 'utf8', flag: fsc.O_RDONLY | fsc.O_NOFOLLOW }));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return [];
      if (code === 'ELOOP') throw forbidden(config.path, 'became a symbolic link');
      if (code === 'EACCES' || code === 'EPERM')
        throw fail('PROVIDER_AUTH_FAILED', `dotenv: no permission to read ${file}; fix the file permissions.`, { kind: KIND, cause: code });
      throw fail('PROVIDER_UNAVAILABLE', `dotenv: could not read ${file}; check the path.`, { kind: KIND, cause: code });
    }
  };

  const save = async (entries: DotenvEntry[]) => {
    const target = await real();
    const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const fh = await fs.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
      try {
        await fh.writeFile(printDotenv(entries), 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, target); // replaces a link put there since, never writes through it
    } catch (e) {
      await fs.rm(tmp, { force: true });
      const code = (e as NodeJS.ErrnoException).code;
      throw fail(
        code === 'EACCES' || code === 'EPERM' ? 'PROVIDER_AUTH_FAILED' : 'PROVIDER_UNAVAILABLE',
        `dotenv: could not write ${file}; check the directory exists and is writable.`,
        { kind: KIND, cause: code },
      );
    }
  };

  const mutate = <T>(fn: (entries: DotenvEntry[]) => { next: DotenvEntry[]; result: T }) =>
    locked(file, async () => {
      const { next, result } = fn(await load());
      await save(next);
      return result;
    });

  const check = (name: string) => checkName(name, NAME, NAME_RULE, KIND);

  return {
    kind: KIND,
    async testConnection() {
      await real();
      try {
        await fs.access(file, fsc.R_OK | fsc.W_OK);
        return { ok: true, details: file };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && config.createIfMissing) {
          try {
            await fs.access(path.dirname(file), fsc.W_OK);
            return { ok: true, details: `${file} (will be created)` };
          } catch {
            /* fall through */
          }
        }
        throw fail(
          code === 'EACCES' ? 'PROVIDER_AUTH_FAILED' : 'PROVIDER_UNAVAILABLE',
          `dotenv: ${file} is not readable and writable; check the path and permissions.`,
          { kind: KIND, cause: code },
        );
      }
    },
    async create(name, value) {
      check(name);
      checkSize(value, dotenvCapabilities, KIND);
      return mutate((entries) => {
        if (getEntry(entries, name))
          throw fail('PROVIDER_SECRET_EXISTS', `dotenv: ${name} already exists in the file; write a new value instead.`, {
            kind: KIND,
            name,
          });
        return { next: setEntry(entries, name, value), result: version(name, value) };
      });
    },
    async read(name, ref) {
      check(name);
      if (ref?.label && ref.label !== 'current') throw capabilityMissing(KIND, `the "${ref.label}" label`);
      const e = getEntry(await load(), name);
      if (!e || (ref?.version && ref.version !== hash(e.value))) throw notFound(KIND, name, ref);
      return version(name, e.value);
    },
    async write(name, value, opts) {
      check(name);
      checkSize(value, dotenvCapabilities, KIND);
      if (opts?.label === 'pending') throw capabilityMissing(KIND, 'staging a pending value');
      return mutate((entries) => {
        const cur = getEntry(entries, name);
        if (opts?.cas !== undefined && opts.cas !== (cur ? hash(cur.value) : '0')) {
          throw fail('PROVIDER_CAS_MISMATCH', undefined, { kind: KIND, name });
        }
        return { next: setEntry(entries, name, value), result: version(name, value) };
      });
    },
    async list(prefix = '') {
      const keys = (await load()).flatMap((e) => (e.type === 'kv' && e.key.startsWith(prefix) ? [e.key] : []));
      return [...new Set(keys)].sort();
    },
    async describe(name) {
      check(name);
      const e = getEntry(await load(), name);
      if (!e) throw notFound(KIND, name);
      return { name, versions: [{ version: hash(e.value), labels: ['current'] as Label[], enabled: true }] };
    },
    async delete(name) {
      check(name);
      await mutate((entries) => {
        if (!getEntry(entries, name)) throw notFound(KIND, name);
        return { next: removeEntry(entries, name), result: undefined };
      });
    },
  };
};

export const dotenvDefinition: ProviderDefinition<DotenvConfig> = {
  kind: KIND,
  displayName: '.env file',
  description:
    'A local .env file (KEY=value lines); comments and order are kept, writes are atomic with mode 0600. Off unless the operator enables providers.dotenv; files only inside providers.dotenv.directories.',
  configSchema: dotenvConfigSchema,
  credentialSchema: z.undefined(),
  capabilities: dotenvCapabilities,
  hostAccess: 'dotenv',
  admit: async (config, ctx) => {
    await confinePath(config.path, ctx);
  },
  create: async (config, _credential, ctx) => createDotenvProvider(config, ctx),
};
