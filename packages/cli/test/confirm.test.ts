// In-process test of `secrets destroy` on a terminal: runCli with a fake TTY answers the prompt, so
// both the refusal and the confirmed path are exercised against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../src/index.js';
import { startTestServer, type TestServer } from './support/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const ttyIo = (answer: string) => {
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  const io: CliIo = {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    readStdin: async () => '',
    stdinIsTTY: true,
    stdoutIsTTY: true,
    color: false,
    ask: async (q) => {
      questions.push(q);
      return answer;
    },
  };
  return { io, out, err, questions };
};

describe('secrets destroy on a terminal', () => {
  it('asks first: "n" destroys nothing (exit 2), "y" destroys the versions', async () => {
    const g = ['--addr', server.url, '--token', server.rootToken];
    const quiet = ttyIo('');
    expect(await runCli([...g, 'secrets', 'set', 'tty/x', 'one'], quiet.io)).toBe(0);
    expect(await runCli([...g, 'secrets', 'set', 'tty/x', 'two'], quiet.io)).toBe(0);
    expect(await runCli([...g, 'secrets', 'set', 'tty/x', 'three'], quiet.io)).toBe(0);

    const no = ttyIo('n');
    expect(await runCli([...g, 'secrets', 'destroy', 'tty/x', '--versions', '1'], no.io)).toBe(2);
    expect(no.questions).toEqual(['Destroy versions 1 of tty/x permanently? This cannot be undone. [y/N] ']);
    expect(no.err.join('')).toContain('Nothing destroyed');
    const read = ttyIo('');
    expect(await runCli([...g, 'secrets', 'get', 'tty/x', '--version', '1'], read.io)).toBe(0);
    expect(read.out.join('')).toBe('one\n');

    const yes = ttyIo('y');
    expect(await runCli([...g, 'secrets', 'destroy', 'tty/x', '--versions', '1'], yes.io)).toBe(0);
    expect(yes.out.join('')).toBe('Destroyed tty/x versions 1\n');
    const gone = ttyIo('');
    expect(await runCli([...g, 'secrets', 'get', 'tty/x', '--version', '1'], gone.io)).toBe(1);
    expect(gone.err.join('')).toMatch(/^Error \[VERSION_DESTROYED\]/);
  });
});
