// Constants shared by the aws-kms definition (aws-kms-definition.ts) and its implementation (aws-kms.ts),
// so neither has to import the other for them.

export const AWS_KMS_KIND = 'aws-kms';
