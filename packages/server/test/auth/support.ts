// Test support for machine-identity logins: a clock the test moves by hand.
import type { Clock } from '../../src/lib/clock.js';

export const createManualClock = (start = Date.now()): Clock & { advance(ms: number): void } => {
  let t = start;
  return {
    now: () => new Date(t),
    advance: (ms: number) => {
      t += ms;
    },
  } as Clock & { advance(ms: number): void };
};
