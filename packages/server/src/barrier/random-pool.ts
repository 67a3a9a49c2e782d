// Random bytes for data keys and nonces, drawn from node:crypto's CSPRNG a block at a time: one
// getrandom call per 4 KiB instead of one per key or nonce (a syscall costs more than the AES work of
// a small value). Every byte is handed out once and zeroed in the pool as it leaves.
import { randomFillSync } from 'node:crypto';

const BLOCK = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

export const poolRandomBytes = (n: number): Buffer => {
  if (n > 256) return randomFillSync(Buffer.allocUnsafeSlow(n));
  if (offset + n > pool.length) {
    pool.fill(0);
    pool = randomFillSync(Buffer.allocUnsafeSlow(BLOCK));
    offset = 0;
  }
  const out = Buffer.allocUnsafeSlow(n);
  pool.copy(out, 0, offset, offset + n);
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
};
