// Constants shared by the azure-kv-keys definition (azure-kv-keys-definition.ts) and its implementation (azure-kv-keys.ts),
// so neither has to import the other for them.

export const AZURE_KV_KEYS_KIND = 'azure-kv-keys';
