// `keyhaven run [options] -- command args`: starts a command with secrets in its environment, masks
// their values in its output, forwards signals and its exit code, restarts it on change (--watch),
// and falls back to an encrypted offline snapshot when the server is unreachable (--snapshot).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  KeyhavenUnavailableError,
  readSnapshot,
  snapshotKeyFromEnv,
  subscribeSecretEvents,
  writeSnapshot,
  type KeyhavenClient,
} from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { collect, parsePositiveInt } from '../parse.js';
import { parseDotenv } from '../delivery/dotenv.js';
import { fetchValues, resolveNames, type FetchedSecret, type Selection } from '../delivery/fetch-secrets.js';
import { buildSecretEnv, parseMaps, resolveFileVars } from '../delivery/env-map.js';
import { forwardSignals, startChild, type RunningChild } from '../delivery/child.js';

interface RunOptions {
  fileEnv?: boolean;
  envFile?: string;
  prefix?: string;
  select?: string[];
  map?: string[];
  mask: boolean;
  watch?: boolean;
  watchInterval?: string;
  snapshot?: string;
}

const flush = () => new Promise<void>((r) => process.stdout.write('', () => process.stderr.write('', () => r())));

/** Fetches the selection; with --snapshot, saves it on success and reads it when the server is down. */
const loadSecrets = async (client: KeyhavenClient, sel: Selection, o: RunOptions, warn: (m: string) => void): Promise<FetchedSecret[]> => {
  try {
    const secrets = await fetchValues(client, await resolveNames(client, sel));
    if (o.snapshot) {
      writeSnapshot(
        o.snapshot,
        {
          created_at: new Date().toISOString(),
          addr: client.addr,
          tenant: client.tenant,
          values: Object.fromEntries(secrets.map((s) => [s.name, { value: s.value, version: s.version }])),
        },
        snapshotKeyFromEnv(),
      );
    }
    return secrets;
  } catch (e) {
    if (!(e instanceof KeyhavenUnavailableError) || !o.snapshot) throw e;
    const snap = readSnapshot(o.snapshot, snapshotKeyFromEnv());
    warn(`keyhaven run: the server is unreachable; using the offline snapshot ${o.snapshot} from ${snap.created_at}\n`);
    return Object.entries(snap.values).map(([name, v]) => ({ name, ...(v as { value: unknown; version: number }) }));
  }
};

export const registerRunCommand = (program: Command, ctx: CommandContext) => {
  program
    .command('run')
    .description('run a command with secrets in its environment (values masked in its output)')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('--env-file <file>', 'also load variables from a dotenv file (secrets win over it)')
    .option('--prefix <prefix>', 'every secret under this path; variables are named from the path below it')
    .option('--select <name-or-glob>', 'a secret name or glob (* within a segment, ** across); repeatable', collect)
    .option('--map <SECRET[#field]=ENV>', 'explicit variable name for a secret or field; repeatable', collect)
    .option('--file-env', 'also honour NAME_FILE variables of the inherited environment (always on for --env-file)')
    .option('--no-mask', "do not mask secret values in the command's output (stdout/stderr are inherited)")
    .option('--watch', 'restart the command when a secret it uses changes')
    .option('--watch-interval <seconds>', 'poll interval when the server has no event stream', '10')
    .option('--snapshot <file>', 'keep an encrypted copy (KEYHAVEN_SNAPSHOT_KEY or _PASSPHRASE) and use it when the server is down')
    .addHelpText(
      'after',
      `
Naming rule: the path below --prefix (or the last path segment) upper-cased, every character other
than A-Z and 0-9 replaced by "_"; a JSON object value gives one variable per field, NAME_FIELD.
--map wins over the rule; two secrets mapping to one variable is an error. FOO_FILE=/path in the
--env-file (or, with --file-env, in the inherited environment) provides FOO from that file when FOO is
not set otherwise. (Inherited variables need --file-env because tools set SSL_CERT_FILE and the like.)
The exit code is the command's (128+n when it is killed by signal n).

Examples:
  keyhaven run --prefix apps/web/ -- node server.js
  keyhaven run --select 'apps/*/db' --map apps/web/db#password=DATABASE_PASSWORD -- ./start.sh
  KEYHAVEN_SNAPSHOT_PASSPHRASE=… keyhaven run --prefix apps/web/ --snapshot .keyhaven.snap -- npm start`,
    )
    .action(async (argv: string[], o: RunOptions) => {
      const [command, ...args] = argv;
      if (!command) throw new UsageError('Give the command to run after --, e.g. keyhaven run --prefix app/ -- node server.js');
      const client = ctx.getClient();
      const maps = parseMaps(o.map);
      const sel: Selection = { prefix: o.prefix, select: o.select, extra: maps.map((m) => m.name) };
      const fileEnv = o.envFile ? Object.fromEntries(parseDotenv(readFileSync(o.envFile, 'utf8'), o.envFile)) : {};
      const warn = (m: string) => ctx.io.err(m);

      const build = (secrets: FetchedSecret[]) => {
        const fromSecrets = buildSecretEnv(secrets, { prefix: o.prefix, maps });
        const base = { ...process.env, ...fileEnv };
        const isSet = (n: string) => base[n] !== undefined || fromSecrets.env[n] !== undefined;
        const fromFiles = resolveFileVars(o.fileEnv ? base : fileEnv, isSet, (f) => readFileSync(f, 'utf8'), warn);
        const env = { ...base, ...fromFiles, ...fromSecrets.env };
        delete env.KEYHAVEN_TOKEN; // the child gets its secrets, not the key to all of them
        return { env, mask: [...fromSecrets.values, ...Object.values(fromFiles)] };
      };

      let secrets = await loadSecrets(client, sel, o, warn);
      let built = build(secrets);
      let child: RunningChild = startChild(command, args, built.env, o.mask ? built.mask : null);
      const unforward = forwardSignals(() => child.proc);
      let code: number;

      if (!o.watch) {
        code = (await child.ended).code;
      } else {
        const names = new Set(secrets.map((s) => s.name));
        let restarting: Promise<void> | null = null;
        let again = false;
        const check = async () => {
          if (restarting) {
            again = true;
            return;
          }
          restarting = (async () => {
            do {
              again = false;
              try {
                const next = await fetchValues(client, [...names]);
                if (next.every((s, i) => s.version === secrets[i]?.version && s.name === secrets[i]?.name)) continue;
                secrets = next;
                built = build(secrets);
                warn('keyhaven run: a secret changed; restarting the command\n');
                const old = child;
                void old.ended.then(() => {}); // its end is expected now
                await old.stop();
                child = startChild(command, args, built.env, o.mask ? built.mask : null);
                void watchEnd();
              } catch (e) {
                warn(`keyhaven run: could not refresh secrets (${e instanceof Error ? e.message : 'error'}); the command keeps running\n`);
              }
            } while (again);
          })().finally(() => {
            restarting = null;
          });
        };
        let finish!: (c: number) => void;
        const done = new Promise<number>((r) => {
          finish = r;
        });
        const watchEnd = async () => {
          const mine = child;
          const end = await mine.ended;
          if (mine === child && !restarting) finish(end.code);
        };
        void watchEnd();
        const sub = subscribeSecretEvents(client, (e) => {
          if (typeof e.data?.name === 'string' && names.has(e.data.name)) void check();
        });
        let poll: NodeJS.Timeout | undefined;
        void sub.ready.then((streaming) => {
          if (!streaming) poll = setInterval(() => void check(), parsePositiveInt('--watch-interval', o.watchInterval ?? '10') * 1000);
        });
        code = await done;
        sub.close();
        if (poll) clearInterval(poll);
      }
      unforward();
      await flush();
      process.exit(code);
    });
};
