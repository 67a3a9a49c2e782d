// Asserts that an error (its message, stack, details and whole cause chain) carries none of the
// given secret strings.
import { expect } from 'vitest';

const texts = (err: unknown, depth = 0): string[] => {
  if (depth > 8 || err === null || err === undefined) return [];
  if (typeof err !== 'object') return [String(err)];
  const e = err as { message?: unknown; stack?: unknown; details?: unknown; cause?: unknown };
  let details = '';
  try {
    details = JSON.stringify(e.details ?? null) + JSON.stringify(err);
  } catch {
    details = '[unserializable]';
  }
  return [String(e.message ?? ''), String(e.stack ?? ''), details, ...texts(e.cause, depth + 1)];
};

export const expectNoSecrets = (err: unknown, secrets: string[]) => {
  const all = texts(err).join('\n');
  const real = secrets.filter((s) => s.length >= 4); // an empty admin password cannot leak
  expect(real.length).toBeGreaterThan(0);
  for (const s of real) expect(all.includes(s), 'an error leaked a secret value').toBe(false);
};
