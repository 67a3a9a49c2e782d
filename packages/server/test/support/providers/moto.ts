// Starts moto_server (the AWS emulator) on a free loopback port for a test file (test-only): polls
// GET /moto-api/ until ready, resets state with POST /moto-api/reset, and kills it on stop.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closedPort } from './provider-conformance.js';

export interface Moto {
  url: string;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const motoAvailable = (): boolean => spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;

/** Why moto tests are skipped here, or undefined when they can run (under CI=true a missing moto is a failure). */
export const motoSkipReason = (): string | undefined =>
  motoAvailable() || process.env.CI === 'true' ? undefined : 'moto_server is not installed (pip install "moto[server]")';

export const startMoto = async (env: Record<string, string> = {}): Promise<Moto> => {
  const port = await closedPort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    env: { ...process.env, ...env },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('moto_server did not become ready within 20s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    reset: async () => {
      await fetch(`${url}/moto-api/reset`, { method: 'POST' });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
};
