// Baselines: accepted findings stored as hashes only (fingerprint = hash of rule, file and the
// secret's sha256), so a committed baseline never contains or reveals secret values.
import { readFile, writeFile } from 'node:fs/promises';
import type { Finding } from './types.js';

export interface Baseline {
  version: 1;
  tool: 'keyhaven-scan';
  createdAt: string;
  entries: Array<{ fingerprint: string; ruleId: string; file: string }>;
}

export const createBaseline = (findings: Finding[], now = new Date()): Baseline => {
  const seen = new Set<string>();
  const entries: Baseline['entries'] = [];
  for (const f of findings) {
    if (seen.has(f.fingerprint)) continue;
    seen.add(f.fingerprint);
    entries.push({ fingerprint: f.fingerprint, ruleId: f.ruleId, file: f.file });
  }
  entries.sort((a, b) => a.file.localeCompare(b.file) || a.ruleId.localeCompare(b.ruleId) || a.fingerprint.localeCompare(b.fingerprint));
  return { version: 1, tool: 'keyhaven-scan', createdAt: now.toISOString(), entries };
};

/** Findings not covered by the baseline (the ones that should fail a build). */
export const filterByBaseline = (findings: Finding[], baseline: Baseline): Finding[] => {
  const known = new Set(baseline.entries.map((e) => e.fingerprint));
  return findings.filter((f) => !known.has(f.fingerprint));
};

export const parseBaseline = (text: string, file = '<baseline>'): Baseline => {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`baseline ${file} is not valid JSON`);
  }
  const b = data as Partial<Baseline>;
  if (
    !b ||
    b.version !== 1 ||
    !Array.isArray(b.entries) ||
    !b.entries.every((e) => typeof e?.fingerprint === 'string' && /^[a-f0-9]{32,64}$/.test(e.fingerprint))
  ) {
    throw new Error(`baseline ${file} is not a keyhaven-scan baseline (version 1 with hashed entries)`);
  }
  return b as Baseline;
};

export const readBaseline = async (file: string): Promise<Baseline> => parseBaseline(await readFile(file, 'utf8'), file);
export const writeBaseline = async (file: string, baseline: Baseline): Promise<void> =>
  writeFile(file, JSON.stringify(baseline, null, 2) + '\n');
