// raiseExitCode: a failure's code survives a later success along the same path.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { raiseExitCode } from './exit-code.js';

let saved: typeof process.exitCode;
beforeEach(() => {
  saved = process.exitCode;
  process.exitCode = undefined;
});
afterEach(() => {
  process.exitCode = saved;
});

it('sets the first code, 0 included', () => {
  raiseExitCode(0);
  expect(process.exitCode).toBe(0);
});

it('never lowers a code already set, and raises it when a worse one comes', () => {
  raiseExitCode(1);
  raiseExitCode(0);
  expect(process.exitCode).toBe(1);
  raiseExitCode(2);
  raiseExitCode(1);
  expect(process.exitCode).toBe(2);
});
