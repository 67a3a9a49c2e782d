// Child process for fault injection: opens the same store as the test, builds a rotation engine whose
// rotator factory / step observer SIGKILL this process right after a chosen step, and rotates.
// Input: KH_CHILD env var with JSON {dbUrl, dataDir, masterKey, names, killAt}.
import pino from 'pino';
import { loadConfig } from '../../../src/config/load-config.js';
import { buildApp } from '../../../src/app.js';
import { systemClock } from '../../../src/lib/clock.js';
import { createRotator } from '../../../src/rotation/rotator-registry.js';
import { createRotationFeature } from '../../../src/features/rotation/rotation-feature.js';
import type { RotatorFactory } from '../../../src/rotation/engine/engine-types.js';

const input = JSON.parse(process.env.KH_CHILD!) as {
  dbUrl: string;
  dataDir: string;
  masterKey: string;
  names: string[];
  killAt: string;
  leaseSeconds?: number;
};
const die = () => process.kill(process.pid, 'SIGKILL');
const STEP: Record<string, string> = { create: 'created', set: 'set', test: 'tested', finish: 'finished' };

const config = loadConfig({
  env: {},
  flags: {
    dataDir: input.dataDir,
    databaseUrl: input.dbUrl,
    masterKey: input.masterKey,
    logLevel: 'silent',
    rotation: { enabled: false, leaseSeconds: input.leaseSeconds ?? 1 },
  } as never,
});
const app = await buildApp(config, { logger: pino({ level: 'silent' }) });
const rotators: RotatorFactory = (kind, opts) => {
  const r = createRotator(kind, opts);
  // "set-unpersisted": the target changed but the engine never recorded it.
  return input.killAt === 'set-unpersisted'
    ? {
        ...r,
        set: async (p, c) => {
          await r.set(p, c);
          die();
        },
      }
    : r;
};
const feature = createRotationFeature({
  storage: app.storage,
  secrets: app.services.secrets,
  barrier: app.barrier,
  broker: app.broker,
  bus: app.bus,
  clock: systemClock,
  logger: app.logger,
  config: config.rotation,
  rotators,
  observer: {
    stepPersisted: (run) => {
      if (run.step === STEP[input.killAt]) die();
    },
  },
});
for (const name of input.names) {
  await feature.service
    .rotate({ tenant: 'default', actor: { tokenId: 'child', name: 'fault-child' } }, name)
    .catch((e) => console.error(String(e?.code ?? e)));
}
console.log('finished without being killed');
await app.close();
