// The alert rules and the dashboard in deploy/: promtool checks the rules and runs their unit tests
// (deploy/prometheus/keyhaven-rules.test.yml), and every metric the rules and the Grafana dashboard
// query is one a running server (the built binary) exports on /metrics.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import { assertBuiltCli, REPO_ROOT, scratchDir, startDevServer, type DevServer } from './support/surface.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const RULES_DIR = path.join(REPO_ROOT, 'deploy', 'prometheus');
const RULES = path.join(RULES_DIR, 'keyhaven-rules.yml');
const DASHBOARD = path.join(REPO_ROOT, 'deploy', 'grafana', 'keyhaven-dashboard.json');

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
if (!hasPromtool) {
  if (process.env.CI === 'true') throw new Error("promtool is missing: CI must install Debian's prometheus package (.ci/run does)");
  console.warn('alert rules e2e: promtool checks SKIPPED, promtool is not installed (apt-get install -y prometheus)');
}

const promtool = (args: string[], cwd = RULES_DIR) => {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

/** Metric names a PromQL expression mentions (ours all start with keyhaven_). */
const metricsIn = (expr: string) => [...expr.matchAll(/\bkeyhaven_[a-zA-Z0-9_]+/g)].map((m) => m[0]);

/** Metric families in an exposition, with the series names a histogram adds. */
const exported = (text: string) => {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m[1]}${s}`);
  }
  return names;
};

const dashboardExpressions = () => {
  const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ query?: unknown }> };
  };
  const exprs = d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
  for (const v of d.templating.list) if (typeof v.query === 'string') exprs.push({ where: 'templating', expr: v.query });
  return exprs;
};

const ruleExpressions = () => {
  const r = YAML.parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
  return r.groups.flatMap((g) => g.rules.map((x) => ({ where: `alert ${x.alert}`, expr: x.expr })));
};

describe.skipIf(!hasPromtool)('alert rules (promtool)', () => {
  it('pass promtool check rules', () => {
    const r = promtool(['check', 'rules', RULES]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('pass their unit tests, and a wrong expectation fails them', () => {
    const r = promtool(['test', 'rules', 'keyhaven-rules.test.yml']);
    expect(r.code, r.out).toBe(0);
    // The same tests with one expected value changed must fail (the tests do test something).
    const dir = scratchDir('keyhaven-rules-');
    try {
      copyFileSync(RULES, path.join(dir, 'keyhaven-rules.yml'));
      const tests = readFileSync(path.join(RULES_DIR, 'keyhaven-rules.test.yml'), 'utf8');
      expect(tests).toContain('summary: "2 critical secret(s) overdue for rotation"');
      writeFileSync(
        path.join(dir, 't.yml'),
        tests.replace('summary: "2 critical secret(s) overdue for rotation"', 'summary: "3 critical secret(s) overdue for rotation"'),
      );
      const bad = promtool(['test', 'rules', 't.yml'], dir);
      expect(bad.code).not.toBe(0);
      expect(bad.out).toContain('KeyhavenSecretsOverdue');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cover failed rotations, overdue secrets, provider errors, audit sinks, anomaly bursts and stuck rotations', () => {
    const alerts = ruleExpressions().map((r) => r.where);
    for (const a of [
      'KeyhavenRotationFailed',
      'KeyhavenSecretsOverdue',
      'KeyhavenProviderErrors',
      'KeyhavenAuditSinkFailing',
      'KeyhavenAnomalyBurst',
      'KeyhavenRotationStuck',
    ]) {
      expect(alerts).toContain(`alert ${a}`);
    }
  });
});

describe('the dashboard and the rules query only metrics a server exports (built binary)', () => {
  let srv: DevServer;
  beforeAll(async () => {
    assertBuiltCli();
    srv = await startDevServer();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('every keyhaven_* metric in the dashboard JSON and the rules is on /metrics', async () => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const names = exported(text);
    expect(names.has('keyhaven_rotations_total')).toBe(true);
    const exprs = [...dashboardExpressions(), ...ruleExpressions()];
    expect(exprs.length).toBeGreaterThan(20);
    const used = new Set(exprs.flatMap((e) => metricsIn(e.expr)));
    expect(used.size).toBeGreaterThan(20);
    const missing = exprs.flatMap((e) =>
      metricsIn(e.expr)
        .filter((m) => !names.has(m))
        .map((m) => `${e.where}: ${m}`),
    );
    expect(missing).toEqual([]);
    // docs/observability.md lists every metric the server exports (prom-client's process and Node.js
    // defaults as a group), and lists none it does not.
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'observability.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| `(keyhaven_[a-z0-9_]+)` \|/gm)].map((m) => m[1]!);
    expect(documented.length).toBeGreaterThan(30);
    const ours = [...text.matchAll(/^# TYPE (keyhaven_\S+) /gm)].map((m) => m[1]!).filter((n) => !/^keyhaven_(process|nodejs)_/.test(n));
    expect(ours.filter((n) => !documented.includes(n))).toEqual([]);
    expect(documented.filter((n) => !names.has(n) && !n.startsWith('keyhaven_sqlite_'))).toEqual([]);
    // The extraction itself: a name that no server exports is reported.
    expect(metricsIn('rate(keyhaven_no_such_metric_total[5m])').filter((m) => !names.has(m))).toEqual(['keyhaven_no_such_metric_total']);
  });
});
