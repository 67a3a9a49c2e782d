// deploy/systemd/keyhaven.service: `systemd-analyze verify` finds nothing to say (an unknown or
// misspelt directive is reported, and fails this test), the offline security review rates it well,
// and the hardening the operations guide promises is in it. Skipped where systemd-analyze is missing.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const unit = path.resolve(__dirname, '../../deploy/systemd/keyhaven.service');
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const available = analyze.status === 0;
if (!available) console.warn('systemd-analyze is not installed: the systemd unit test is skipped (apt-get install systemd)');

const verify = (file: string) => spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });

describe.skipIf(!available)('systemd unit', () => {
  it('verifies cleanly, and a misspelt directive would be caught', () => {
    const r = verify(unit);
    expect(r.status).toBe(0);
    expect(r.stderr.trim()).toBe('');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-unit-'));
    try {
      const bad = path.join(dir, 'keyhaven.service');
      copyFileSync(unit, bad);
      writeFileSync(bad, readFileSync(bad, 'utf8').replace('ProtectSystem=strict', 'ProtectSystm=strict'));
      expect(verify(bad).stderr).toContain("Unknown key 'ProtectSystm'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('carries the promised hardening and leaves MemoryDenyWriteExecute off (Node JIT), with an exposure of at most 2.0', () => {
    const text = readFileSync(unit, 'utf8');
    const set = (k: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`${k}=`))
        .map((l) => l.slice(k.length + 1));
    expect(set('DynamicUser')).toEqual(['yes']);
    expect(set('ProtectSystem')).toEqual(['strict']);
    expect(set('NoNewPrivileges')).toEqual(['yes']);
    expect(set('PrivateTmp')).toEqual(['yes']);
    expect(set('StateDirectory')).toEqual(['keyhaven']);
    expect(set('ConfigurationDirectory')).toEqual(['keyhaven']);
    expect(set('MemoryDenyWriteExecute')).toEqual([]);
    expect(text).toMatch(/# NOT set: MemoryDenyWriteExecute=yes\. Node's V8 JIT/);
    expect(set('LoadCredential')).toEqual(['master.key:/etc/keyhaven/master.key']);
    expect(set('ExecStart')[0]).toMatch(/packages\/cli\/dist\/main\.js server$/);
    const sec = spawnSync('systemd-analyze', ['security', '--offline=yes', unit], { encoding: 'utf8' });
    const m = /Overall exposure level for keyhaven\.service: ([\d.]+)/.exec(sec.stdout);
    if (!m) return console.warn(`systemd-analyze security --offline is not supported here: ${sec.stderr.slice(0, 200)}`);
    expect(Number(m[1])).toBeLessThanOrEqual(2.0);
  });
});
