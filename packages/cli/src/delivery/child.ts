// The child process of `run`: spawned with the built environment, stdout/stderr piped through the
// masker (or inherited with --no-mask), SIGINT/SIGTERM/SIGHUP forwarded, and its end reported as an
// exit code (a child killed by signal n ends with 128+n, like a shell).
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { createMasker } from './masker.js';

export interface ChildEnd {
  code: number;
  signal: NodeJS.Signals | null;
}
export interface RunningChild {
  proc: ChildProcess;
  ended: Promise<ChildEnd>;
  stop(timeoutMs?: number): Promise<ChildEnd>;
}

export const exitCodeOf = (code: number | null, signal: NodeJS.Signals | null) =>
  code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1);

export const startChild = (
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  mask: string[] | null,
): RunningChild => {
  const proc = spawn(command, args, { env, stdio: ['inherit', mask ? 'pipe' : 'inherit', mask ? 'pipe' : 'inherit'] });
  const pipes: Promise<void>[] = [];
  if (mask) {
    // A closed reader of our output (e.g. `| head`) must not crash run while the child still runs.
    for (const out of [process.stdout, process.stderr]) if (out.listenerCount('error') === 0) out.on('error', () => {});
    for (const [from, to] of [
      [proc.stdout!, process.stdout],
      [proc.stderr!, process.stderr],
    ] as const) {
      const m = createMasker(mask);
      from.pipe(m);
      m.on('data', (c: Buffer) => to.write(c));
      pipes.push(new Promise((r) => m.on('end', () => r())));
    }
  }
  const ended = new Promise<ChildEnd>((resolve) => {
    proc.on('error', (e: NodeJS.ErrnoException) => {
      process.stderr.write(
        `keyhaven run: cannot start "${command}" (${e.code === 'ENOENT' ? 'command not found' : (e.code ?? e.message)})\n`,
      );
      resolve({ code: e.code === 'ENOENT' ? 127 : 126, signal: null });
    });
    proc.on('exit', (code, signal) => {
      void Promise.all(pipes).then(() => resolve({ code: exitCodeOf(code, signal), signal }));
    });
  });
  return {
    proc,
    ended,
    async stop(timeoutMs = 10_000) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const end = await ended;
      clearTimeout(t);
      return end;
    },
  };
};

export const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Forwards signals to whichever child is current; returns a function that removes the handlers. */
export const forwardSignals = (current: () => ChildProcess | undefined): (() => void) => {
  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      const c = current();
      if (c && c.exitCode === null) c.kill(sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
};
