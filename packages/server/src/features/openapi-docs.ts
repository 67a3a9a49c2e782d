// Every feature's OpenAPI documentation (responses, operationIds), completed into the document by
// http/openapi/document.ts.
import type { FeatureDocs } from '../lib/json-schema.js';
import { adminDocs } from './admin/admin-openapi.js';
import { auditDocs } from './audit/audit-openapi.js';
import { rotationDocs } from './rotation/rotation-openapi.js';
import { secretDocs } from './secrets/secret-openapi.js';
import { syncDocs } from './sync/sync-openapi.js';
import { systemDocs } from './system/system-openapi.js';
import { tokenDocs } from './tokens/token-openapi.js';
import { notificationDocs } from './notifications/notification-openapi.js';
import { vaultAuthDocs } from './vault-compat/vault-auth-openapi.js';
import { vaultDocs } from './vault-compat/vault-openapi.js';

/** `vaultMounts`: the configured KV mounts of the Vault-compatible API (each has its paths). */
export const featureDocs = (o: { vaultMounts: string[] }): FeatureDocs[] => [
  secretDocs,
  rotationDocs,
  auditDocs,
  tokenDocs,
  syncDocs,
  notificationDocs,
  adminDocs,
  systemDocs,
  vaultDocs(o.vaultMounts),
  vaultAuthDocs,
];
