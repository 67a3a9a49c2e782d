// A finding for a whole credential file (see rules/files.ts): line 1, hashed over the file's bytes.
import { createHash } from 'node:crypto';
import type { Finding } from '../types.js';
import type { FileRule } from '../rules/files.js';
import { fingerprintOf } from './engine.js';
import { fileContext } from './context.js';

export const fileFinding = (rule: FileRule, buf: Buffer, path: string, reveal?: boolean): Finding => {
  const sha = createHash('sha256').update(buf).digest('hex');
  const context = fileContext(path);
  return {
    ruleId: rule.id,
    description: rule.description,
    severity: rule.severity,
    confidence: rule.confidence,
    file: path,
    line: 1,
    column: 1,
    endColumn: 1,
    entropy: 0,
    redacted: `<file, ${buf.length} bytes>`,
    sha256: sha,
    fingerprint: fingerprintOf(rule.id, path, sha),
    ...(context ? { context } : {}),
    ...(reveal ? { secret: buf.toString('base64') } : {}),
  };
};
