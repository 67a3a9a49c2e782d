// Constants shared by the gcp-kms definition (gcp-kms-definition.ts) and its implementation (gcp-kms.ts),
// so neither has to import the other for them.

export const GCP_KMS_KIND = 'gcp-kms';
