// Master-key rotation without downtime: `POST /v1/sys/master-key/rewrap` (root only) re-wraps every
// keyring entry under a new KEK source (e.g. local → AWS KMS). The running server keeps serving from
// its unwrapped keys; the operator must start with the new masterKeySource afterwards.
import { z } from 'zod';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import type { App } from '../../http/pipeline-types.js';
import type { Keyring } from '../../barrier/keyring.js';
import type { KekSource } from '../../barrier/kek-source.js';
import { createKekSource, redactKekSourceConfig } from '../../barrier/kek-sources/registry.js';
import { fail, isKeyhavenError } from '../../lib/errors.js';

export const createMasterKeyRewrap = (deps: { keyring: Keyring; current: KekSource; logger: Logger }) => {
  let active = deps.current;
  const opened: KekSource[] = [];
  return {
    async rewrap(raw: Record<string, unknown>) {
      const next = await createKekSource(raw);
      // Probe before touching anything: the new source must wrap and unwrap.
      const probe = randomBytes(32);
      try {
        const back = await next.unwrap(await next.wrap(probe, 'keyhaven:rewrap-probe'), 'keyhaven:rewrap-probe');
        if (!back.equals(probe)) throw fail('MASTER_KEY_INVALID', 'The new master key source did not return the probe key.');
      } catch (e) {
        await next.close?.().catch(() => {});
        throw e;
      }
      try {
        await deps.keyring.rewrapUnder(next);
      } catch (e) {
        // Put every entry back under the source the store was started with, so a restart still opens it.
        await deps.keyring
          .rewrapUnder(active)
          .catch(() =>
            deps.logger.error('master key rewrap failed half-way and could not be undone; keep the server running and retry the rewrap'),
          );
        await next.close?.().catch(() => {});
        throw isKeyhavenError(e) ? e : fail('KEK_SOURCE_UNAVAILABLE');
      }
      active = next;
      opened.push(next);
      deps.logger.warn({ kind: next.kind }, 'master key re-wrapped; restart with the new masterKeySource');
      return {
        rewrapped: true,
        kind: next.kind,
        describe: next.describe,
        restart_with: { masterKeySource: redactKekSourceConfig(raw) },
        message: `The keyring is now wrapped by ${next.describe}. This server keeps running; from now on start Keyhaven with this masterKeySource (KEYHAVEN_MASTER_KEY_SOURCE or the config file). The previous master key no longer opens the store.`,
      };
    },
    async close() {
      for (const s of opened) await s.close?.().catch(() => {});
    },
  };
};

export type MasterKeyRewrap = ReturnType<typeof createMasterKeyRewrap>;

export const masterKeyRoutes = (service: MasterKeyRewrap) => (app: App) => {
  app.post(
    '/v1/sys/master-key/rewrap',
    {
      config: { access: { tenant: false, system: true }, audit: 'sys.master_key_rewrap' },
      schema: {
        tags: ['system'],
        summary: 'Re-wrap the keyring under a new master key source (root only); restart with that source afterwards',
        body: z.object({ kind: z.string().min(1).max(64) }).passthrough(),
      },
    },
    async (req) => service.rewrap(req.body as Record<string, unknown>),
  );
};
