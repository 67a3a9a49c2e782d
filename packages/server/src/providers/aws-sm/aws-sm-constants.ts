// Constants shared by the aws-sm definition (aws-sm-definition.ts) and its implementation (aws-sm-provider.ts),
// so neither has to import the other for them.
import type { ProviderCapabilities } from '../provider-types.js';

export const AWS_SM_KIND = 'aws-sm';
export const AWS_SM_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
export const AWS_SM_NAME_RULE = '1-512 characters of letters, digits and /_+=.@-';
export const awsSmCapabilities: ProviderCapabilities = {
  versions: true,
  labels: true,
  cas: false,
  disableVersions: false,
  writable: true,
  maxValueBytes: 65_536,
  nameRule: AWS_SM_NAME_RULE,
};
