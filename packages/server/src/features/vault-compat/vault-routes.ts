// Routes of the HashiCorp Vault KV v2-compatible API, one set per configured mount:
// /v1/<mount>/data/<path> (GET ?version=, POST/PUT {data, options.cas}, PATCH merge, DELETE = soft
// delete latest), /metadata/<path> (GET, GET ?list=true, DELETE = everything), /delete|undelete|
// destroy/<path> {versions}; LIST arrives as GET ?list=true (http/list-method.ts); bodies are JSON
// whatever their Content-Type, as Vault reads them; the sys and token endpoints are in vault-sys-routes.ts.
// Handlers translate to the secret service; the pipeline authenticates (X-Vault-Token) and audits.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../http/pipeline-types.js';
import { scopeOf } from '../../http/pipeline-types.js';
import { KeyhavenError } from '../../lib/errors.js';
import { isUniqueViolation } from '../../storage/database.js';
import type { Action } from '../access/roles.js';
import type { SecretService } from '../secrets/secret-service.js';
import { envelope, listKeys, secretMetadata, toKvData, versionMetadata } from './vault-shapes.js';
import { CAS_MESSAGE, VaultError, vaultErrorHandler } from './vault-errors.js';
import type { VaultCompatSettings } from './vault-tenant.js';
import { vaultSysRoutes, type VaultSysDeps } from './vault-sys-routes.js';

type Op = 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy';
const OPS: Op[] = ['data', 'metadata', 'delete', 'undelete', 'destroy'];

// The router has already decoded the path once; decoding again turned %25 into a URIError (500) and
// %252e%252e into ".." before the name check.
const pathOf = (req: FastifyRequest) => ((req.params as { '*': string })['*'] ?? '').replace(/^\/+|\/+$/g, '');
const isList = (req: FastifyRequest) => {
  const l = (req.query as { list?: string | string[] }).list;
  return (Array.isArray(l) ? l : [l]).some((x) => x === 'true' || x === '1');
};

const actionFor =
  (op: Op) =>
  (req: FastifyRequest): Action => {
    if (req.method === 'GET') return op === 'metadata' ? 'list' : 'read';
    if ((op === 'data' || op === 'metadata') && req.method !== 'DELETE') return 'write';
    if (op === 'undelete') return 'write';
    return 'delete';
  };

/** Vault's limits on custom_metadata (KV v2): at most 64 keys, keys of 1-128 bytes, values of at most 512 bytes, all strings. */
const customMetadataOf = (raw: unknown, opts: { allowNull: boolean }): Record<string, string | null> => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new VaultError(400, ['custom_metadata must be an object of string keys and string values']);
  const entries = Object.entries(raw as Record<string, unknown>);
  const problems: string[] = [];
  if (entries.length > 64) problems.push(`payload must contain at most 64 keys, provided: ${entries.length}`);
  for (const [k, v] of entries.slice(0, 64)) {
    const key = k.slice(0, 64);
    if (Buffer.byteLength(k) === 0 || Buffer.byteLength(k) > 128)
      problems.push(`length of key "${key}" is ${Buffer.byteLength(k)} but must be 1 to 128`);
    if (v === null && opts.allowNull) continue;
    if (typeof v !== 'string') problems.push(`value of key "${key}" must be a string`);
    else if (Buffer.byteLength(v) > 512)
      problems.push(`length of value for key "${key}" is ${Buffer.byteLength(v)} but must be at most 512`);
  }
  if (problems.length) throw new VaultError(400, [`custom_metadata validation failed: ${problems.join('; ')}`]);
  return raw as Record<string, string | null>;
};

/** The other fields of a metadata write; settings Keyhaven does not have are refused, not ignored. */
const metadataWriteOf = (b: Record<string, unknown>) => {
  const out: { max_versions?: number } = {};
  if (b.max_versions !== undefined) {
    const n = Number(b.max_versions);
    if (!Number.isInteger(n) || n < 0) throw new VaultError(400, ['max_versions must be a non-negative integer']);
    if (n > 0) out.max_versions = n;
  }
  if (b.cas_required !== undefined && b.cas_required !== false && b.cas_required !== 'false') {
    throw new VaultError(400, ['cas_required is not supported by Keyhaven: send options.cas with each write instead']);
  }
  const dva = b.delete_version_after;
  if (dva !== undefined && dva !== null && !['0', '0s', ''].includes(String(dva))) {
    throw new VaultError(400, ['delete_version_after is not supported by Keyhaven: use "0s"']);
  }
  return out;
};

const bodyOf = (req: FastifyRequest): Record<string, unknown> => {
  const b = req.body;
  if (b === undefined || b === null || b === '') return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new VaultError(400, ['the request body must be a JSON object']);
  return b as Record<string, unknown>;
};

const versionsOf = (req: FastifyRequest): number[] => {
  const v = bodyOf(req).versions;
  if (!Array.isArray(v) || v.length === 0 || !v.every((n) => Number.isInteger(Number(n)) && Number(n) > 0))
    throw new VaultError(400, ['no versions provided']);
  return v.map(Number);
};

export const vaultCompatRoutes = (service: SecretService, settings: VaultCompatSettings, sys: VaultSysDeps) => (app: App) => {
  if (!settings.enabled) return;
  const mounts = Object.keys(settings.mounts);

  void app.register(async (vault) => {
    vault.setErrorHandler(vaultErrorHandler);
    // Vault reads every body as JSON whatever its Content-Type (the Go client sends none; curl --data
    // sends a form type). Only here: Keyhaven's own API keeps its strict media types.
    const json = vault.getDefaultJsonParser('error', 'error');
    vault.removeContentTypeParser('text/plain');
    vault.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
      if (body === '') return done(null, undefined);
      void json(req, body as string, (err, parsed) =>
        err ? done(new VaultError(400, ['failed to parse JSON input']), undefined) : done(null, parsed),
      );
    });
    vault.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, body ? JSON.parse(body as string) : {});
      } catch {
        done(new VaultError(400, ['failed to parse JSON input']), undefined);
      }
    });

    const describe = async (req: FastifyRequest, name: string) => service.describe(scopeOf(req), name);

    /** Reads a version (latest when none) in KV shape; deleted or destroyed versions are 404 like Vault. */
    const readData = async (req: FastifyRequest, name: string, version?: number) => {
      const d = await describe(req, name);
      const v = version ?? d.latest_version;
      const info = d.versions.find((x) => x.version === v);
      if (!info) throw new VaultError(404, []);
      const metadata = versionMetadata(info, d.deleted_at, d.latest_version, d.metadata);
      if (metadata.deletion_time || metadata.destroyed) return { status: 404, body: envelope(req.id, { data: null, metadata }) };
      const r = await service.read(scopeOf(req), name, { version: v });
      req.auditNote = { ...req.auditNote, version: r.version };
      return { status: 200, body: envelope(req.id, { data: toKvData(r.value), metadata }) };
    };

    const write = async (req: FastifyRequest, name: string, data: unknown, cas?: number) => {
      if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new VaultError(400, ['no data provided']);
      const scope = scopeOf(req);
      const before = await describe(req, name).catch((e) => {
        if (e instanceof KeyhavenError && e.code === 'SECRET_NOT_FOUND') return null;
        throw e;
      });
      if (before?.deleted_at) {
        // Vault lets a client write over a soft-deleted latest version: undo Keyhaven's delete first,
        // once check-and-set has passed (a refused write changes nothing).
        if (cas !== undefined && before.latest_version !== cas) throw new VaultError(400, [CAS_MESSAGE]);
        await service.restore(scope, name);
      }
      const w = await service.write(scope, name, data, { cas, create: true });
      const custom = before && Object.keys(before.metadata).length ? before.metadata : null;
      return envelope(req.id, {
        created_time: w.created_at,
        custom_metadata: custom,
        deletion_time: '',
        destroyed: false,
        version: w.version,
      });
    };

    for (const mount of mounts) {
      for (const op of OPS) {
        const url = `/v1/${mount}/${op}/*`;
        const access = {
          tenant: true,
          action: actionFor(op),
          resource: (req: FastifyRequest) => (pathOf(req) ? { name: pathOf(req) } : null),
        };
        const audit = (req: FastifyRequest) =>
          `vault.kv.${op === 'data' ? (({ GET: 'read', DELETE: 'delete' } as Record<string, string>)[req.method] ?? 'write') : op === 'metadata' ? (({ GET: isList(req) ? 'list' : 'metadata', DELETE: 'delete_metadata' } as Record<string, string>)[req.method] ?? 'metadata') : op}`;
        const config = { access, audit };
        const schema = {
          tags: ['vault-compat'],
          summary: `Vault KV v2 ${op} on mount "${mount}" (tenant ${settings.mounts[mount]} unless X-Vault-Namespace)`,
        };

        if (op === 'data') {
          vault.get(url, { config, schema }, async (req, reply) => {
            if (isList(req)) throw new VaultError(405, ['unsupported operation']);
            const raw = (req.query as { version?: string }).version;
            const version = raw === undefined || raw === '0' ? undefined : Number(raw);
            if (version !== undefined && !(Number.isInteger(version) && version > 0)) throw new VaultError(400, ['invalid version']);
            const r = await readData(req, pathOf(req), version);
            return reply.code(r.status).send(r.body);
          });
          const put = async (req: FastifyRequest) => {
            const b = bodyOf(req);
            const cas = (b.options as { cas?: unknown } | undefined)?.cas;
            if (cas !== undefined && !(Number.isInteger(Number(cas)) && Number(cas) >= 0))
              throw new VaultError(400, ['invalid cas parameter']);
            return write(req, pathOf(req), b.data, cas === undefined ? undefined : Number(cas));
          };
          vault.post(url, { config, schema }, put);
          vault.put(url, { config, schema }, put);
          vault.patch(url, { config, schema }, async (req) => {
            const b = bodyOf(req);
            const name = pathOf(req);
            const d = await describe(req, name);
            if (d.deleted_at) throw new VaultError(404, []);
            const current = toKvData((await service.read(scopeOf(req), name)).value);
            const merged: Record<string, unknown> = { ...current };
            for (const [k, v] of Object.entries((b.data ?? {}) as Record<string, unknown>)) {
              if (v === null) delete merged[k];
              else merged[k] = v;
            }
            const cas = (b.options as { cas?: number } | undefined)?.cas;
            return write(req, name, merged, cas ?? d.latest_version);
          });
          vault.delete(url, { config, schema }, async (req, reply) => {
            // A secret with metadata but no version yet has no latest version to delete (as in Vault).
            const d = await describe(req, pathOf(req)).catch((e) => {
              if (e instanceof KeyhavenError && e.code === 'SECRET_NOT_FOUND') return null;
              throw e;
            });
            if (!d || d.latest_version === 0) return reply.code(204).send();
            try {
              await service.remove(scopeOf(req), pathOf(req));
            } catch (e) {
              if (!(e instanceof KeyhavenError && (e.code === 'SECRET_DELETED' || e.code === 'SECRET_NOT_FOUND'))) throw e;
            }
            return reply.code(204).send();
          });
        } else if (op === 'metadata') {
          vault.get(url, { config, schema }, async (req) => {
            const p = pathOf(req);
            if (isList(req)) {
              const prefix = p ? `${p}/` : '';
              const names: string[] = [];
              let cursor: string | undefined;
              do {
                const page = await service.list(scopeOf(req), { prefix: prefix || undefined, limit: 1000, cursor, include_deleted: true });
                names.push(...page.items.map((i) => i.name));
                cursor = page.next_cursor ?? undefined;
              } while (cursor);
              const keys = listKeys(names, prefix);
              if (keys.length === 0) throw new VaultError(404, []);
              return envelope(req.id, { keys });
            }
            return envelope(req.id, secretMetadata(await describe(req, p)));
          });
          // Metadata writes: custom_metadata (replaced as a whole by POST/PUT, merged by PATCH, as Vault
          // does) is Keyhaven's metadata map. A missing secret is created without versions (ESO's
          // PushSecret writes managed-by before the first data write); a soft-deleted one stays writable.
          const writeMetadata = (merge: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
            const b = bodyOf(req);
            const name = pathOf(req);
            if (!name) throw new VaultError(405, ['unsupported operation']);
            const fields = metadataWriteOf(b);
            const custom =
              b.custom_metadata === undefined || (b.custom_metadata === null && !merge)
                ? undefined
                : customMetadataOf(b.custom_metadata, { allowNull: merge });
            const scope = scopeOf(req);
            for (let attempt = 0; ; attempt++) {
              try {
                const patch: { max_versions?: number; metadata?: Record<string, string> } = {};
                if (fields.max_versions !== undefined) patch.max_versions = fields.max_versions;
                if (custom) {
                  const next: Record<string, string> = merge ? { ...(await describe(req, name)).metadata } : {};
                  for (const [k, v] of Object.entries(custom)) {
                    if (v === null) delete next[k];
                    else next[k] = v;
                  }
                  patch.metadata = next;
                }
                await service.update(scope, name, patch, { create: !merge, allowDeleted: true });
                break;
              } catch (e) {
                // Two first writes at once: the second finds the row the first created.
                if (attempt === 0 && isUniqueViolation(e)) continue;
                throw e;
              }
            }
            return reply.code(204).send();
          };
          vault.post(url, { config, schema }, writeMetadata(false));
          vault.put(url, { config, schema }, writeMetadata(false));
          vault.patch(url, { config, schema }, writeMetadata(true));
          vault.delete(url, { config, schema }, async (req, reply) => {
            const scope = scopeOf(req);
            const name = pathOf(req);
            try {
              await service.remove(scope, name);
            } catch (e) {
              if (!(e instanceof KeyhavenError && e.code === 'SECRET_DELETED')) {
                if (e instanceof KeyhavenError && e.code === 'SECRET_NOT_FOUND') return reply.code(204).send();
                throw e;
              }
            }
            await service.destroy(scope, name);
            return reply.code(204).send();
          });
        } else {
          const versionOp = async (req: FastifyRequest, reply: FastifyReply) => {
            const scope = scopeOf(req);
            const name = pathOf(req);
            const versions = versionsOf(req);
            const d = await describe(req, name);
            if (op === 'delete') {
              if (!versions.includes(d.latest_version))
                throw new VaultError(400, [
                  'Keyhaven soft-deletes a secret as a whole: include the latest version, or destroy older versions instead',
                ]);
              if (!d.deleted_at) await service.remove(scope, name);
            } else if (op === 'undelete') {
              if (d.deleted_at && versions.includes(d.latest_version)) await service.restore(scope, name);
            } else {
              const known = new Set(d.versions.filter((v) => v.state !== 'destroyed').map((v) => v.version));
              const todo = versions.filter((v) => known.has(v));
              if (todo.length) {
                try {
                  await service.destroy(scope, name, todo, { releasePrevious: true });
                } catch (e) {
                  if (e instanceof KeyhavenError && e.code === 'VERSION_LABELLED')
                    throw new VaultError(400, [
                      'Keyhaven keeps the current (and a pending) version readable: write a new version, or delete the secret, before destroying it',
                    ]);
                  throw e;
                }
              }
            }
            return reply.code(204).send();
          };
          // The Go client (vault CLI, ESO, Terraform) writes with PUT; hvac and node-vault with POST.
          vault.post(url, { config, schema }, versionOp);
          vault.put(url, { config, schema }, versionOp);
        }
      }
      // Any other path under the mount: Vault's 404 shape rather than Keyhaven's.
      vault.all(
        `/v1/${mount}/*`,
        {
          config: { access: { public: true as const }, audit: 'vault.kv.unsupported' },
          schema: { tags: ['vault-compat'], summary: `Unsupported paths under mount "${mount}"`, hide: true },
        },
        async () => {
          throw new VaultError(404, ['unsupported path']);
        },
      );
    }

    vaultSysRoutes(vault, settings, sys);
  });
};
