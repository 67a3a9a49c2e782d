// POST /admin/log-name-hash (root tokens only): the form secret names take in this server's log
// lines (logSecretNames: hashed), so an operator can find the lines about a secret without the logs
// carrying its name.
import { z } from 'zod';
import type { App } from '../../http/pipeline-types.js';
import type { LogNames } from '../../lib/log-names.js';

const body = z
  .object({
    tenant: z.string().min(1).max(128).default('default'),
    names: z.array(z.string().min(1).max(256)).min(1).max(100),
  })
  .strict();

export const logNameRoutes = (names: LogNames) => (app: App) => {
  app.post(
    '/admin/log-name-hash',
    {
      config: { access: { tenant: false, system: true }, audit: 'admin.log_name_hash' },
      schema: {
        tags: ['admin'],
        summary: 'How secret names appear in the server log (keyed hash, or clear with logSecretNames: clear)',
        body,
      },
    },
    async (req) => {
      const { tenant, names: list } = req.body as z.infer<typeof body>;
      return {
        mode: names.mode,
        tenant,
        hashes: list.map((name) => ({ name, hash: names.hash(tenant, name), logged_as: names.of(tenant, name) })),
      };
    },
  );
};
