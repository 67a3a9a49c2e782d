// Constants shared by the azure-kv definition (azure-kv-definition.ts) and its implementation (azure-kv-provider.ts),
// so neither has to import the other for them.
import type { ProviderCapabilities } from '../provider-types.js';
import { AZURE_NAME_RULE } from './azure-names.js';

export const AZURE_KV_KIND = 'azure-kv';
export const azureKvCapabilities: ProviderCapabilities = {
  versions: true,
  labels: false,
  cas: false,
  disableVersions: true,
  writable: true,
  maxValueBytes: 25 * 1024,
  nameRule: AZURE_NAME_RULE,
};
