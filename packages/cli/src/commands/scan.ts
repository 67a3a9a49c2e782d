// `keyhaven scan [paths...]` (files, --git history, --staged, --stdin) and `keyhaven scan install-hook`:
// runs @keyhaven/scanner, applies baselines, optionally matches findings against the vault by
// sha256 and emergency-rotates matched secrets. Exit codes: 0 clean, 1 findings, 2 usage/config error
// or an incomplete scan (a file the scanner failed on or gave up on: error, crash, timeout), unless
// --allow-scan-errors; findings take precedence (1). Ordinary skips (binary, too large, unreadable,
// allowlisted) stay informational.
import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline/promises';
import type { Finding, ReportFormat, ScanProgress, ScanResult, ScanSettings, Severity } from '@keyhaven/scanner';
import { raiseExitCode } from '../exit-code.js';

/** The scanner (its ~200 compiled rules) loads only when a scan runs, so other commands start fast. */
const loadScanner = () => import('@keyhaven/scanner');
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif', 'csv'];
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export interface KeyhavenClientLike {
  fingerprints: {
    match(sha256Hex: string[]): Promise<Array<{ sha256: string; tenant: string; secret: string; version: number; label?: string }>>;
  };
  rotation: { emergencyRotate(name: string, opts?: { reason?: string }): Promise<{ version: number }> };
}

/** Terminal facts and streams; defaults are the real process, tests pass fakes. */
export interface ScanIo {
  out(text: string): void;
  err(text: string): void;
  stdin: AsyncIterable<Buffer | string>;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
  ask(question: string): Promise<string>;
  setExitCode(code: number): void;
}

export interface ScanCommandDeps {
  getClient: () => KeyhavenClientLike;
  io?: Partial<ScanIo>;
}

const processIo = (): ScanIo => ({
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  stdin: process.stdin,
  stdinIsTTY: Boolean(process.stdin.isTTY),
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  env: process.env,
  cwd: process.cwd(),
  async ask(q) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(q);
    } finally {
      rl.close();
    }
  },
  setExitCode: raiseExitCode,
});

interface ScanOpts {
  git?: boolean | string;
  staged?: boolean;
  stdin?: boolean;
  format?: ReportFormat;
  output?: string;
  baseline?: string;
  writeBaseline?: string;
  config?: string;
  reveal?: boolean;
  progress: boolean;
  threads?: string;
  minSeverity?: Severity;
  failOnFindings?: boolean;
  exitZero?: boolean;
  vault?: boolean;
  rotate?: boolean;
  yes?: boolean;
  maxFileSize?: string;
  gitignore: boolean;
  fileTimeout?: string;
  allowScanErrors?: boolean;
}

/** Default per-file time limit for `scan [paths]`. */
export const DEFAULT_FILE_TIMEOUT = '10s';

/** `--file-timeout`: `10s`, `500ms`, `2m` or a bare number of seconds; 0 turns the limit off. Returns ms. */
export const parseFileTimeout = (text: string): number => {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`--file-timeout must be a duration such as 10s, 500ms or 2m (0 for no limit), got "${text}"`);
  const n = Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[(m[2] ?? 's').toLowerCase() as 'ms' | 's' | 'm'];
  const ms = Math.round(n);
  if (n > 0 && ms < 1) throw new UsageError('--file-timeout must be at least 1ms (or 0 for no limit)');
  if (ms > 2 ** 31 - 1) throw new UsageError('--file-timeout is too long (at most 24 days)');
  return ms;
};

/** A path as one printable line (control characters escaped), for stderr. */
const printable = (s: string) => s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

class UsageError extends Error {}

const CONFIG_NAMES = ['.keyhaven-scan.yaml', '.keyhaven-scan.yml', '.keyhaven-scan.json'];

/** One status line on stderr: a bar once the walk has listed every file, rates (files/s, MiB/s) always. */
export const progressLine = (p: ScanProgress, elapsedMs: number): string => {
  const secs = Math.max(elapsedMs, 1) / 1000;
  const mib = p.bytesDone / 1048576;
  const rates = `${Math.round(p.filesDone / secs)} files/s, ${(mib / secs).toFixed(1)} MiB/s`;
  if (p.walkDone === false) return `${p.filesDone} files scanned (${p.filesTotal} found, still walking), ${mib.toFixed(1)} MiB, ${rates}`;
  const frac = p.filesTotal ? p.filesDone / p.filesTotal : 1;
  const w = 30;
  const fill = Math.round(frac * w);
  return `[${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${p.filesDone}/${p.filesTotal} files, ${mib.toFixed(1)} MiB, ${rates}`;
};

const progressBar = (io: ScanIo) => {
  let last = 0;
  const t0 = Date.now();
  return {
    update(p: ScanProgress) {
      const now = Date.now();
      if (now - last < 100 && (p.walkDone === false || p.filesDone < p.filesTotal)) return;
      last = now;
      io.err(`\r${progressLine(p, p.elapsedMs ?? now - t0)}\x1b[K`);
    },
    done() {
      if (last) io.err('\r\x1b[K');
    },
  };
};

const runTarget = async (
  paths: string[],
  o: ScanOpts & { format: ReportFormat },
  settings: ScanSettings,
  io: ScanIo,
): Promise<ScanResult> => {
  const { scanGitHistory, scanPaths, scanStaged, scanStream } = await loadScanner();
  const targets = [o.git !== undefined && o.git !== false, o.staged, o.stdin, paths.length > 0].filter(Boolean).length;
  if (targets > 1) throw new UsageError('choose one target: paths, --git [range], --staged or --stdin');
  const threads = o.threads === undefined ? undefined : Number(o.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError('--threads must be a positive integer');
  const fileTimeoutMs = parseFileTimeout(o.fileTimeout ?? DEFAULT_FILE_TIMEOUT);
  // Every target has the per-file time limit: stdin is one "file", a git diff chunk (one file in one commit) is one.
  if (o.stdin) return scanStream(io.stdin, { ...settings, path: '<stdin>', fileTimeoutMs });
  if (o.staged) return scanStaged(io.cwd, { ...settings, threads, fileTimeoutMs });
  if (o.git !== undefined && o.git !== false)
    return scanGitHistory(io.cwd, { ...settings, threads, fileTimeoutMs, range: typeof o.git === 'string' ? o.git : undefined });
  const showProgress = o.progress && io.stderrIsTTY && (o.format === 'text' || o.output !== undefined);
  const bar = showProgress ? progressBar(io) : undefined;
  try {
    return await scanPaths(paths.length ? paths.map((p) => path.resolve(io.cwd, p)) : [io.cwd], {
      ...settings,
      threads,
      fileTimeoutMs,
      gitignore: o.gitignore,
      onProgress: bar?.update,
    });
  } finally {
    bar?.done();
  }
};

const matchVault = async (findings: Finding[], client: KeyhavenClientLike) => {
  const hashes = [...new Set(findings.map((f) => f.sha256))];
  if (!hashes.length) return 0;
  const matches = await client.fingerprints.match(hashes);
  const byHash = new Map(matches.map((m) => [m.sha256, m]));
  let n = 0;
  for (const f of findings) {
    const m = byHash.get(f.sha256);
    if (m) {
      f.vault = { tenant: m.tenant, secret: m.secret, version: m.version, ...(m.label ? { label: m.label } : {}) };
      n++;
    }
  }
  return n;
};

const rotateMatched = async (findings: Finding[], client: KeyhavenClientLike, o: ScanOpts, io: ScanIo) => {
  const names = [...new Set(findings.flatMap((f) => (f.vault ? [f.vault.secret] : [])))];
  for (const name of names) {
    const where = findings
      .filter((f) => f.vault?.secret === name)
      .map((f) => `${f.file}:${f.line}`)
      .slice(0, 3)
      .join(', ');
    if (!o.yes) {
      if (!io.stdinIsTTY) throw new UsageError('--rotate needs confirmation: run in a terminal or pass --yes');
      const a = (await io.ask(`Secret "${name}" is exposed (${where}). Emergency-rotate it now? [y/N] `)).trim().toLowerCase();
      if (a !== 'y' && a !== 'yes') {
        io.err(`skipped rotation of ${name}\n`);
        continue;
      }
    }
    const r = await client.rotation.emergencyRotate(name, { reason: `exposed in ${where} (keyhaven scan)` });
    io.err(`rotated ${name}: new version ${r.version}\n`);
  }
};

const scanAction = async (paths: string[], o: ScanOpts & { format: ReportFormat }, deps: ScanCommandDeps, io: ScanIo): Promise<number> => {
  const { createBaseline, filterByBaseline, loadScanConfig, readBaseline, report, resolveRules, writeBaseline } = await loadScanner();
  if (!REPORT_FORMATS.includes(o.format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}`);
  const configFile = o.config ?? CONFIG_NAMES.map((n) => path.join(io.cwd, n)).find((p) => existsSync(p));
  const settings: ScanSettings = configFile ? await loadScanConfig(path.resolve(io.cwd, configFile)) : {};
  if (o.minSeverity) settings.minSeverity = o.minSeverity;
  if (o.reveal) settings.reveal = true;
  const result = await runTarget(paths, o, settings, io);
  // Files the scanner failed on (threw, crashed its worker, timed out) were not scanned: named here,
  // always, with the reason only (never content); they make the scan incomplete (exit 2, see below).
  const scanErrors = result.skipped.filter((x) => x.reason === 'error');
  for (const s of scanErrors) io.err(`error: could not scan ${printable(s.file)}: ${s.detail ?? 'scanner error'}\n`);
  let findings = result.findings;
  if (o.writeBaseline) {
    await writeBaseline(path.resolve(io.cwd, o.writeBaseline), createBaseline(findings));
    io.err(`wrote baseline with ${findings.length} accepted finding(s) to ${o.writeBaseline}\n`);
    return 0;
  }
  if (o.baseline) findings = filterByBaseline(findings, await readBaseline(path.resolve(io.cwd, o.baseline)));
  const envVault = Boolean(io.env.KEYHAVEN_ADDR && io.env.KEYHAVEN_TOKEN);
  const useVault = o.vault === true || o.rotate === true || (o.vault === undefined && envVault);
  if (useVault && findings.length) {
    try {
      const n = await matchVault(findings, deps.getClient());
      if (n) io.err(`${n} finding(s) match secrets stored in the vault\n`);
    } catch (e) {
      if (o.vault || o.rotate) throw new UsageError(`vault lookup failed: ${(e as Error).message}`);
      io.err(`warning: vault lookup skipped (${(e as Error).message})\n`);
    }
  }
  if (o.rotate) await rotateMatched(findings, deps.getClient(), o, io);
  const text = report(findings, o.format, {
    color: o.format === 'text' && !o.output && io.stdoutIsTTY && !io.env.NO_COLOR,
    rules: resolveRules(settings),
    // The report itself says the scan is incomplete (not just stderr): a "No secrets found." over
    // files that were never scanned would read as a clean result.
    unscanned: scanErrors.map((s) => ({ file: s.file, detail: s.detail })),
  });
  if (o.output) await writeFile(path.resolve(io.cwd, o.output), text);
  else io.out(text);
  for (const s of result.skipped.filter((x) => x.reason !== 'allowlisted' && x.reason !== 'error').slice(0, 20))
    io.err(`skipped ${printable(s.file)}: ${s.reason}${s.detail ? ` (${s.detail})` : ''}\n`);
  if (findings.length > 0 && !o.exitZero) return 1;
  if (scanErrors.length) {
    const what = `${scanErrors.length} file(s) could not be scanned (scanner error)`;
    if (o.allowScanErrors) {
      io.err(`warning: ${what}; accepted because of --allow-scan-errors\n`);
      return 0;
    }
    io.err(`error: ${what}, so the scan is incomplete: exit 2 (pass --allow-scan-errors to accept this)\n`);
    return 2;
  }
  return 0;
};

const HOOK_MARK = '# keyhaven-scan pre-commit hook';
const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The CLI entry that is running now (dist/main.js beside this file), when it exists. */
const currentEntry = (): string | undefined => {
  try {
    const main = fileURLToPath(new URL('../main.js', import.meta.url));
    return existsSync(main) ? main : undefined;
  } catch {
    return undefined;
  }
};

/** The hook finds the CLI without relying on PATH: the node + main.js that installed it, then the
 *  project's node_modules/.bin, then PATH, then `npx --no-install`; if none works it says so and refuses. */
const hookScript = (command: string | undefined, chained: boolean) => {
  const entry = currentEntry();
  const find =
    command !== undefined
      ? `run_keyhaven() { ${command} "$@"; }\n`
      : `KEYHAVEN_NODE=${shQuote(process.execPath)}
KEYHAVEN_MAIN=${entry ? shQuote(entry) : "''"}
top=$(git rev-parse --show-toplevel 2>/dev/null || pwd)
if [ -n "$KEYHAVEN_MAIN" ] && [ -x "$KEYHAVEN_NODE" ] && [ -f "$KEYHAVEN_MAIN" ]; then
  run_keyhaven() { "$KEYHAVEN_NODE" "$KEYHAVEN_MAIN" "$@"; }
elif [ -x "$top/node_modules/.bin/keyhaven" ]; then
  run_keyhaven() { "$top/node_modules/.bin/keyhaven" "$@"; }
elif command -v keyhaven >/dev/null 2>&1; then
  run_keyhaven() { keyhaven "$@"; }
elif command -v npx >/dev/null 2>&1 && (cd "$top" && npx --no-install keyhaven -V >/dev/null 2>&1); then
  run_keyhaven() { (cd "$top" && npx --no-install keyhaven "$@"); }
else
  echo "keyhaven pre-commit hook: cannot find the keyhaven CLI (not at $KEYHAVEN_MAIN, not in node_modules/.bin, not on PATH)." >&2
  echo "Install it (npm install @keyhaven/cli) and run 'npx keyhaven scan install-hook --force' again; the commit was stopped, nothing was scanned." >&2
  exit 1
fi
`;
  return `#!/bin/sh
${HOOK_MARK} (installed by \`keyhaven scan install-hook\`)
${chained ? 'hook_dir=$(dirname "$0")\nif [ -x "$hook_dir/pre-commit.local" ]; then "$hook_dir/pre-commit.local" "$@" || exit $?; fi\n' : ''}${find}run_keyhaven scan --staged --no-progress
`;
};

const installHook = async (o: { force?: boolean; chain?: boolean; command?: string }, io: ScanIo): Promise<number> => {
  let hooksDir: string;
  try {
    hooksDir = path.resolve(io.cwd, execFileSync('git', ['rev-parse', '--git-path', 'hooks'], { cwd: io.cwd, encoding: 'utf8' }).trim());
  } catch {
    throw new UsageError('not inside a git repository');
  }
  const hook = path.join(hooksDir, 'pre-commit');
  let chained = false;
  if (existsSync(hook)) {
    const existing = await readFile(hook, 'utf8');
    if (existing.includes(HOOK_MARK) && !o.force) {
      io.err(`keyhaven hook already installed at ${hook}\n`);
      return 0;
    }
    if (!existing.includes(HOOK_MARK)) {
      if (o.chain) {
        await rename(hook, path.join(hooksDir, 'pre-commit.local'));
        chained = true;
      } else if (!o.force) throw new UsageError(`${hook} already exists; use --chain to run it before the scan or --force to replace it`);
    } else chained = existsSync(path.join(hooksDir, 'pre-commit.local'));
  }
  await writeFile(hook, hookScript(o.command, chained));
  await chmod(hook, 0o755);
  io.err(`installed ${hook}${chained ? ' (existing hook kept as pre-commit.local)' : ''}\n`);
  return 0;
};

export const registerScanCommand = (program: Command, deps: ScanCommandDeps) => {
  const io: ScanIo = { ...processIo(), ...deps.io };
  const run = async (fn: () => Promise<number>) => {
    try {
      io.setExitCode(await fn());
    } catch (e) {
      if ((e as Error).name === 'ScanConfigError') io.err(`${e instanceof Error ? e.message : String(e)}\n`);
      else io.err(`error: ${(e as Error).message}\n`);
      io.setExitCode(2);
    }
  };
  // The program-wide --format parses `scan --format …` too: admit the report formats there.
  const globalFormat = program.options.find((opt) => opt.long === '--format');
  if (globalFormat?.argChoices) globalFormat.argChoices = [...new Set([...globalFormat.argChoices, ...REPORT_FORMATS])];
  const scan = program
    .command('scan')
    .description('find secrets in files, git history, staged changes or stdin')
    .argument('[paths...]', 'files or directories (default: current directory)')
    .option('--git [range]', 'scan git history: all refs, or a range such as main..HEAD')
    .option('--staged', 'scan changes staged for commit')
    .option('--stdin', 'scan standard input')
    .addOption(new Option('--format <format>', `report format: ${REPORT_FORMATS.join(', ')} (default text)`))
    .option('-o, --output <file>', 'write the report to a file')
    .option('--baseline <file>', 'ignore findings recorded in this baseline')
    .option('--write-baseline <file>', 'record current findings (as hashes) as accepted, then exit 0')
    .option('--config <file>', 'scan config (default: .keyhaven-scan.yaml/.json in the current directory)')
    .option('--reveal', 'print full secret values (careful)')
    .option('--no-progress', 'do not show a progress bar')
    .option('--no-gitignore', 'scan files ignored by .gitignore too')
    .option('--threads <n>', 'scanning threads (default: number of cores); worker threads, or this one plus n-1 with --file-timeout 0')
    .option(
      '--file-timeout <duration>',
      `longest one file may take to scan (10s, 500ms, 2m; 0 = no limit), also per staged file, commit chunk (--git) and --stdin; past it the file is an error (default ${DEFAULT_FILE_TIMEOUT})`,
    )
    .option('--allow-scan-errors', 'exit 0/1 even when some files could not be scanned (scanner error, crash or timeout)')
    .addOption(new Option('--min-severity <level>', 'report only this severity and above').choices([...SEVERITIES]))
    .option('--fail-on-findings', 'exit 1 when there are (new) findings (default)')
    .option('--exit-zero', 'exit 0 even when there are findings')
    .option('--vault', 'match findings against secrets stored in Keyhaven (by sha256)')
    .option('--no-vault', 'do not contact Keyhaven even if KEYHAVEN_ADDR/KEYHAVEN_TOKEN are set')
    .option('--rotate', 'emergency-rotate vault secrets that were found exposed (asks first)')
    .option('-y, --yes', 'do not ask before rotating')
    .addHelpText(
      'after',
      `
Exit codes: 0 no (new) findings, 1 findings, 2 usage or configuration error, or a file could not be
scanned (scanner error, crash or --file-timeout; not for binary, too large or ignored files) unless
--allow-scan-errors. Findings take precedence: 1 even when a file could not be scanned.
Examples:
  keyhaven scan .
  keyhaven scan --git main..HEAD --format sarif --output scan.sarif
  keyhaven scan --write-baseline .keyhaven-baseline.json && keyhaven scan --baseline .keyhaven-baseline.json
  git diff | keyhaven scan --stdin`,
    )
    .action((paths: string[], o: ScanOpts, cmd: Command) =>
      run(() => {
        // The program-wide --format (parsed before and after the command) takes `scan --format …` first.
        const format = (cmd.optsWithGlobals() as { format?: ReportFormat }).format ?? o.format ?? 'text';
        return scanAction(paths, { ...o, format }, deps, io);
      }),
    );

  scan
    .command('install-hook')
    .description('install a git pre-commit hook that runs `keyhaven scan --staged`')
    .option('--force', 'replace an existing pre-commit hook')
    .option('--chain', 'keep an existing hook and run it first')
    .option('--command <cmd>', 'how the hook invokes the CLI (default: this node and CLI, then node_modules/.bin, PATH, npx)')
    .action((o: { force?: boolean; chain?: boolean; command?: string }) => run(() => installHook(o, io)));
  return scan;
};
