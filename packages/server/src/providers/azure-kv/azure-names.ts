// Azure Key Vault naming: names are 1-127 characters of [0-9a-zA-Z-] and case-insensitive. Keyhaven
// names map "/" and "_" to "-"; the original name is kept in a tag so two names never share one secret.
import { fail } from '../../lib/errors.js';
import { checkName } from '../provider-support.js';

export const NAME_TAG = 'keyhaven-name';
export const DESCRIPTION_TAG = 'keyhaven-description';
export const AZURE_NAME_RULE = '1-127 characters of letters, digits and "-" once "/" and "_" are mapped to "-"; names are case-insensitive';

export const toAzureName = (name: string): string => {
  const mapped = name.replace(/[/_]/g, '-');
  checkName(mapped, /^[0-9a-zA-Z-]{1,127}$/, AZURE_NAME_RULE, 'azure-kv');
  return mapped;
};

/**
 * Refuses to use an Azure secret that belongs to another Keyhaven name: its name tag differs
 * (including only by case), or it has no tag and the name needed mapping (an unrelated secret).
 */
export const assertOwner = (name: string, azureName: string, tags: Record<string, string> | undefined): void => {
  const owner = tags?.[NAME_TAG];
  const clash = owner !== undefined ? owner !== name : name !== azureName;
  if (clash) {
    throw fail(
      'PROVIDER_NAME_COLLISION',
      `azure-kv: ${JSON.stringify(name)} maps to the Azure secret ${JSON.stringify(azureName)}, which already holds ${owner !== undefined ? JSON.stringify(owner) : 'a secret not created by Keyhaven'}; rename one of them.`,
      { kind: 'azure-kv', name, azureName, ...(owner !== undefined ? { holder: owner } : {}) },
    );
  }
};

/** The Keyhaven name for an Azure secret (its tag, else its Azure name). */
export const keyhavenName = (azureName: string, tags: Record<string, string> | undefined): string => tags?.[NAME_TAG] ?? azureName;
