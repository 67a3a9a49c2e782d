// Constants shared by the k8s definition (k8s-definition.ts) and its implementation (k8s-provider.ts),
// so neither has to import the other for them.
import type { ProviderCapabilities } from '../provider-types.js';

export const K8S_KIND = 'k8s';
export const K8S_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
export const K8S_NAME_RULE = 'a DNS subdomain: 1-253 lower-case letters, digits, "-" and ".", starting and ending with a letter or digit';
export const k8sCapabilities: ProviderCapabilities = {
  versions: false,
  labels: false,
  cas: true,
  disableVersions: false,
  writable: true,
  maxValueBytes: 1_000_000,
  nameRule: K8S_NAME_RULE,
};
