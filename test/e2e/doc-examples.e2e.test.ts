// Every fenced ```sh / ```bash block of README.md and docs/*.md, executed with bash against a dev server
// started from the built binary, `keyhaven` and `npx keyhaven` resolving to the built CLI through PATH
// shims, in a scratch directory with the fixture files the examples name. ```sh no-run blocks are
// skipped (each must say why on the fence line or the line above). Blocks that start a long-running
// server are run until they print the listening line and a root token, then stopped.
// A failure names the file, the line and the command.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  assertBuiltCli,
  CLI_MAIN,
  cleanEnv,
  REPO_ROOT,
  runProcess,
  scratchDir,
  startDevServer,
  type DevServer,
} from './support/surface.js';

vi.setConfig({ testTimeout: 60_000 });

interface Block {
  file: string;
  line: number;
  code: string;
  noRun: boolean;
  server: boolean;
}

const DOC_FILES = [
  'README.md',
  ...readdirSync(path.join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

export const extractBlocks = (file: string, text: string): Block[] => {
  const lines = text.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^```(sh|bash)\b(.*)$/.exec(lines[i]);
    if (!m) continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) j++;
    const code = lines.slice(start, j).join('\n');
    out.push({
      file,
      line: start + 1,
      code,
      noRun: /\bno-run\b/.test(m[2]),
      server: /(^|\s|;)(npm run quickstart|(npx )?keyhaven server)\b/m.test(code),
    });
    i = j;
  }
  return out;
};

const blocks = DOC_FILES.flatMap((f) => extractBlocks(f, readFileSync(path.join(REPO_ROOT, f), 'utf8')));

let server: DevServer;
let dir: string;
let env: NodeJS.ProcessEnv;

const keyhavenCli = (args: string[]) => runProcess(process.execPath, [CLI_MAIN, ...args], { env, cwd: dir });

beforeAll(async () => {
  assertBuiltCli();
  server = await startDevServer();
  dir = scratchDir('keyhaven-doc-examples-');
  const bin = path.join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'keyhaven'), `#!/bin/sh\nexec "${process.execPath}" "${CLI_MAIN}" "$@"\n`);
  writeFileSync(
    path.join(bin, 'npx'),
    `#!/bin/sh\nif [ "$1" = keyhaven ]; then shift; exec "${path.join(bin, 'keyhaven')}" "$@"; fi\necho "npx shim: only 'npx keyhaven' is available in doc examples" >&2; exit 127\n`,
  );
  chmodSync(path.join(bin, 'keyhaven'), 0o755);
  chmodSync(path.join(bin, 'npx'), 0o755);
  env = cleanEnv({ ...server.env, PATH: `${bin}:${process.env.PATH}`, HOME: dir });
  // Fixture files the examples read.
  writeFileSync(path.join(dir, 'key.txt'), 'key-from-file\n');
  writeFileSync(path.join(dir, 'billing.json'), '[{"effect":"allow","actions":["read","list"],"paths":["apps/billing/**"]}]\n');
  writeFileSync(path.join(dir, 'config.tmpl'), 'password: {{ keyhaven://apps/db#password }}\n');
  writeFileSync(path.join(dir, '.env'), 'APP_MODE=dev\nAPI_URL=http://127.0.0.1\n');
  writeFileSync(path.join(dir, 'server.js'), 'console.log("server.js ran");\n');
  writeFileSync(path.join(dir, 'worker'), '#!/bin/sh\necho worker ran\n');
  chmodSync(path.join(dir, 'worker'), 0o755);
  writeFileSync(path.join(dir, 'cert.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  // Secrets the examples read before they write them.
  const seed: string[][] = [
    ['secrets', 'set', 'apps/db', '--field', 'password=pw', '--field', 'user=app'],
    ['secrets', 'set', 'db/prod', '--field', 'user=app', '--field', 'password=old'],
    ['secrets', 'set', 'db/prod', '--field', 'user=app', '--field', 'password=new'],
    ['secrets', 'set', 'db/prod', '--field', 'user=app', '--field', 'password=newer'],
    ['secrets', 'set', 'tls/cert', '--file', 'cert.pem'],
    ['secrets', 'set', 'apps/old/key', 'x'],
    ['secrets', 'set', 'apps/old/key', 'y'],
    ['secrets', 'set', 'apps/old/key', 'z'],
    ['secrets', 'set', 'app/old-key', 'x'],
    ['secrets', 'set', 'apps/billing/db-password', 'pw'],
  ];
  for (const a of seed) {
    const r = await keyhavenCli(a);
    if (r.code !== 0) throw new Error(`seeding ${a.join(' ')} failed: ${r.stderr}`);
  }
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs a block with `set -e`; on failure the ERR trap prints the failing line of the block. */
const runBlock = (b: Block) =>
  runProcess('bash', ['-c', `set -eo pipefail\ntrap 'echo "__FAILED_AT__ $LINENO" >&2' ERR\n${b.code}\n`], {
    env,
    cwd: dir,
    timeoutMs: 45_000,
  });

/** A block that starts a server: each such line runs on a fresh port and data dir until it prints the
 *  listening line and the root token, then it is stopped. `npm run quickstart` (install + build + server)
 *  runs as the server step only: install and build are what this test run already did. */
const runServerLine = (cmdLine: string) =>
  new Promise<{ ok: boolean; out: string }>((resolve) => {
    const line = cmdLine
      .replace(/^npm run quickstart\b/, 'keyhaven server')
      .replace(/^npm run dev\b/, 'keyhaven server --dev')
      .replace(/^npx keyhaven\b/, 'keyhaven');
    const data = scratchDir('keyhaven-doc-server-');
    const child = spawn('bash', ['-c', `exec ${line} --listen 127.0.0.1:0`], {
      env: { ...env, KEYHAVEN_DATA_DIR: data, KEYHAVEN_ADDR: undefined, KEYHAVEN_TOKEN: undefined },
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
    });
    let out = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      setTimeout(() => rmSync(data, { recursive: true, force: true }), 500);
      resolve({ ok, out });
    };
    const timer = setTimeout(() => done(false), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/Listening on http:\/\/127\.0\.0\.1:\d+/.test(out) && /Root token \(shown once/.test(out)) done(true);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => done(/Listening on/.test(out) && /Root token/.test(out)));
  });

describe('documented shell examples run as written', () => {
  it('finds the examples, and few are marked no-run, each with a reason', () => {
    expect(blocks.length).toBeGreaterThan(10);
    const noRun = blocks.filter((b) => b.noRun);
    expect(noRun.length).toBeLessThanOrEqual(Math.ceil(blocks.length / 4));
    for (const b of noRun) {
      const fence = readFileSync(path.join(REPO_ROOT, b.file), 'utf8').split('\n')[b.line - 2];
      expect(
        fence.replace(/^```sh\s+no-run/, '').trim(),
        `${b.file}:${b.line - 1}: a no-run block must give its reason on the fence line`,
      ).not.toBe('');
    }
  });

  it('curl examples fail on an HTTP error (--fail), so a broken endpoint fails its example', () => {
    const loose: string[] = [];
    for (const b of blocks.filter((x) => !x.noRun)) {
      for (const [k, l] of b.code.split('\n').entries()) {
        const cmd = l.replace(/\s+#.*$/, '');
        if (!/(^|[\s;|&(])curl\s/.test(cmd)) continue;
        // -f, --fail, --fail-with-body, or -f inside a short-option cluster such as -fsS.
        if (/(^|\s)(--fail(-with-body)?|-[a-zA-Z]*f[a-zA-Z]*)(\s|$)/.test(cmd)) continue;
        // An example about an error status prints the status and checks it on the same line.
        if (/%\{http_code\}/.test(cmd) && /\[\s+"?\$\w+"?\s+=\s+"?\d{3}"?\s+\]|\btest\s/.test(cmd)) continue;
        loose.push(`${b.file}:${b.line + k}: ${cmd.trim()}`);
      }
    }
    expect(loose, `curl without --fail exits 0 on a 4xx/5xx:\n${loose.join('\n')}`).toEqual([]);
  });

  for (const b of blocks.filter((x) => !x.noRun)) {
    it(`${b.file}:${b.line}`, async () => {
      if (b.server) {
        for (const [k, l] of b.code.split('\n').entries()) {
          const cmd = l.replace(/\s+#.*$/, '').trim();
          if (!cmd) continue;
          const r = await runServerLine(cmd);
          expect(
            r.ok,
            `${b.file}:${b.line + k}: \`${cmd}\` did not print the listening line and a root token:\n${r.out.slice(-2000)}`,
          ).toBe(true);
        }
        return;
      }
      const r = await runBlock(b);
      const at = /__FAILED_AT__ (\d+)/.exec(r.stderr);
      const blockLine = at ? Number(at[1]) - 2 : undefined; // two header lines before the block
      const srcLine = blockLine !== undefined ? b.line + blockLine - 1 : b.line;
      const cmd = blockLine !== undefined ? b.code.split('\n')[blockLine - 1] : b.code.split('\n')[0];
      expect(
        r.code,
        `${b.file}:${srcLine}: \`${cmd}\` failed (exit ${r.code}${r.signal ? `, ${r.signal}` : ''}):\n${r.stderr.slice(-1500)}`,
      ).toBe(0);
    });
  }
});
