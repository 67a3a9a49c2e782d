// Every feature's OpenAPI documentation (responses, operationIds), completed into the document by
// http/openapi/document.ts.
import type { FeatureDocs } from '../lib/json-schema.js';
import { auditDocs } from './audit/audit-openapi.js';
import { rotationDocs } from './rotation/rotation-openapi.js';
import { secretDocs } from './secrets/secret-openapi.js';
import { syncDocs } from './sync/sync-openapi.js';
import { systemDocs } from './system/system-openapi.js';
import { tokenDocs } from './tokens/token-openapi.js';
import { vaultDocs } from './vault-compat/vault-openapi.js';

export const featureDocs: FeatureDocs[] = [secretDocs, rotationDocs, auditDocs, tokenDocs, syncDocs, systemDocs, vaultDocs];
