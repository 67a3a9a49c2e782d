// Constants shared by the gcp-sm definition (gcp-sm-definition.ts) and its implementation (gcp-sm-provider.ts),
// so neither has to import the other for them.
import type { ProviderCapabilities } from '../provider-types.js';

export const GCP_SM_KIND = 'gcp-sm';
export const GCP_SM_NAME = /^[A-Za-z0-9_-]{1,255}$/;
export const GCP_SM_NAME_RULE = '1-255 letters, digits, "_" or "-"';
export const gcpSmCapabilities: ProviderCapabilities = {
  versions: true,
  labels: true,
  cas: false,
  disableVersions: true,
  writable: true,
  maxValueBytes: 65_536,
  nameRule: GCP_SM_NAME_RULE,
};
