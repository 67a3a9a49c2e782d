// Streaming secret masking for `run`: replaces every occurrence of a secret value in the child's
// output with `*****`, safe across chunk boundaries. After each chunk only the longest tail that is
// a prefix of some secret is held back; it is released with the next chunk, at the end, or after
// `holdMs` of silence (so prompts still show; a value split by a longer pause could then leak).
import { Transform, type TransformCallback } from 'node:stream';

export const MASK = '*****';
/** Values shorter than this are not masked (masking "1" or "true" would garble output). */
export const MIN_MASK_LENGTH = 4;

export const createMasker = (values: string[], opts: { holdMs?: number } = {}): Transform => {
  // Work on bytes as latin1 strings so multi-byte characters split across chunks still match.
  const secrets = [
    ...new Set(values.filter((v) => v.length >= MIN_MASK_LENGTH).map((v) => Buffer.from(v, 'utf8').toString('latin1'))),
  ].sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return new Transform({ transform: (c, _e, cb) => cb(null, c) });
  const re = new RegExp(secrets.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const mask = Buffer.from(MASK).toString('latin1');
  let held = '';
  let timer: NodeJS.Timeout | undefined;

  const heldTail = (s: string): number => {
    // Longest suffix of s that is a proper prefix of a secret.
    const max = Math.min(s.length, secrets[0]!.length - 1);
    for (let n = max; n > 0; n--) {
      const tail = s.slice(s.length - n);
      if (secrets.some((x) => x.length > n && x.startsWith(tail))) return n;
    }
    return 0;
  };

  const t: Transform = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      const s = (held + chunk.toString('latin1')).replace(re, mask);
      const n = heldTail(s);
      held = s.slice(s.length - n);
      const out = s.slice(0, s.length - n);
      if (held && opts.holdMs !== 0) {
        timer = setTimeout(() => {
          timer = undefined;
          if (held) {
            t.push(Buffer.from(held, 'latin1'));
            held = '';
          }
        }, opts.holdMs ?? 200);
        timer.unref();
      }
      cb(null, out ? Buffer.from(out, 'latin1') : undefined);
    },
    flush(cb) {
      if (timer) clearTimeout(timer);
      cb(null, held ? Buffer.from(held, 'latin1') : undefined);
      held = '';
    },
  });
  return t;
};
