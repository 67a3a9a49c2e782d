// The documented rule that maps secret names to environment variable names, shared by the SDK's
// environment fallback and `keyhaven run`: the path below the prefix (or the last path segment),
// upper-cased, every non-alphanumeric character replaced by `_`; JSON object fields add `_FIELD`.

/** `apps/db/password` → `PASSWORD`; with prefix `apps/` → `DB_PASSWORD`. A leading digit gets a `_`. */
export const envVarName = (secretName: string, prefix?: string): string => {
  let base: string;
  if (prefix && secretName.startsWith(prefix) && secretName.length > prefix.length)
    base = secretName.slice(prefix.length).replace(/^\/+/, '');
  else base = secretName.split('/').filter(Boolean).pop() ?? secretName;
  return sanitizeEnvName(base);
};

export const sanitizeEnvName = (s: string): string => {
  const n = s.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return /^[0-9]/.test(n) ? `_${n}` : n;
};

/** How a value becomes variables: a string is one variable; a JSON object expands to NAME_FIELD each. */
export const expandValue = (varName: string, value: unknown): Array<[string, string]> => {
  if (typeof value === 'string') return [[varName, value]];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      `${varName}_${sanitizeEnvName(k)}`,
      typeof v === 'string' ? v : JSON.stringify(v),
    ]);
  }
  return [[varName, JSON.stringify(value)]];
};
