// Engine behaviour through scanText: redaction, hashes, fingerprints, placeholders, inline allow
// comments, generic rules yielding to specific ones, line/column, and reveal.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scanText, redact, shannonEntropy } from '../src/index.js';
import { ghToken } from './helpers.js';

describe('scanText', () => {
  const tok = ghToken('engine');
  it('reports position, hashes and a redacted preview, never the value', () => {
    const [f, ...rest] = scanText(`line one\n  const t = "${tok}";\n`, { path: 'src/a.ts' });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ ruleId: 'github-pat', file: 'src/a.ts', line: 2, column: 14, severity: 'critical' });
    expect(f.sha256).toBe(createHash('sha256').update(tok).digest('hex'));
    expect(f.redacted).toBe(`${tok.slice(0, 4)}…(40)`);
    expect(JSON.stringify(f)).not.toContain(tok);
    expect(f.fingerprint).toMatch(/^[a-f0-9]{32}$/);
  });
  it('reveals the value only when asked', () => {
    expect(scanText(tok, { reveal: true })[0].secret).toBe(tok);
  });
  it('keeps the fingerprint stable when lines move, but not across files', () => {
    const a = scanText(`x = "${tok}"`, { path: 'a' })[0];
    const b = scanText(`\n\n\nx = "${tok}"`, { path: 'a' })[0];
    const c = scanText(`x = "${tok}"`, { path: 'b' })[0];
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
  });
  it.each(['keyhaven:allow', 'gitleaks:allow', 'pragma: allowlist secret'])('honours inline %s', (marker) => {
    expect(scanText(`t = "${tok}" # ${marker}`)).toEqual([]);
    expect(scanText(`t = "${tok}"\n# ${marker}`)).toHaveLength(1);
  });
  it.each([
    'changeme',
    'xxxxxxxxxxxxxxxx',
    '${DB_PASSWORD}',
    '<your-key>',
    'example-password',
    'dummy_password1',
    '{{ .Values.pw }}',
    '${?DB_PASSWORD}',
    '[value]',
    '<password>',
    'REPLACE_WITH_PASSWORD',
    '$BASE_URL/classroom/#/forgot_password',
  ])('ignores placeholder %s', (v) => {
    expect(scanText(`DB_PASSWORD=${v}\npassword: "${v}"`)).toEqual([]);
  });
  it('keeps real values that merely hold a bracket, a dollar or a bracketed word among others', () => {
    for (const v of ['Qm7[vX2pL9]rT4', '$Lk9q/Zr2Wm8xT', 'K7s9Qm2Lx]'])
      expect(
        scanText(`DB_PASSWORD=${v}`).map((f) => f.ruleId),
        v,
      ).toContain('generic-password');
    expect(scanText('curl -u <user:password> https://test.example.net/endpoint')).toEqual([]);
  });
  it('lets a specific rule win over a generic one for the same value', () => {
    const ids = scanText(`GITHUB_TOKEN=${tok}\napi_key = "${tok}"`).map((f) => f.ruleId);
    expect(ids).toEqual(['github-pat', 'github-pat']);
  });
  it('applies config allowlists and disabled rules', () => {
    expect(scanText(tok, { allowlist: { regexes: ['^ghp_'] } })).toEqual([]);
    expect(scanText(tok, { allowlist: { stopwords: [tok.slice(10, 20)] } })).toEqual([]);
    expect(scanText(tok, { disabledRules: ['github-pat'] })).toEqual([]);
    expect(scanText(tok, { path: 'fixtures/x.txt', allowlist: { paths: ['fixtures/'] } })).toEqual([]);
    expect(scanText(tok, { minSeverity: 'critical' })).toHaveLength(1);
  });
  it('finds secrets after multi-byte characters with correct columns', () => {
    const f = scanText(`ü = "é"; t = "${tok}"`)[0];
    expect(f.column).toBe(15);
  });
});

describe('generic rules in program source (a value needs quotes to be a string)', () => {
  const ids = (text: string, path: string) => scanText(text, { path }).map((f) => f.ruleId);
  it('ignores an unquoted identifier or expression on a code line', () => {
    expect(ids('    "bindpass": bind_pass,', 'hvac/ldap.py')).toEqual([]);
    expect(ids('error_per_key = 100000.0/first_set_max_id', 'test-lru.rb')).toEqual([]);
    expect(ids('const opts = { password: dbPassw0rd_2 };', 'src/db.ts')).toEqual([]);
  });
  it('keeps quoted values, values inside a string, comments and config files', () => {
    expect(ids('PASSWORD = "Hx9Lantern#4471"', 'settings.py')).toContain('generic-password');
    expect(ids('db = sql.Open("postgres", "host=db user=app password=Ql9x2wVt dbname=app")', 'store.go').length).toBeGreaterThan(0);
    expect(ids('# password: Hx9Lantern4471', 'setup.py')).toContain('generic-password');
    expect(ids('password: Hx9Lantern4471', 'config.yml')).toContain('generic-password');
  });
  it('reads a query-string value up to the next parameter', () => {
    const [f] = scanText('curl "https://hooks.acme.io/n?token=Qk8zP3mV2xLr9Tn4Wb7Yc1Ds&state=abc"', { path: 'n.sh', reveal: true });
    expect(f?.secret).toBe('Qk8zP3mV2xLr9Tn4Wb7Yc1Ds');
  });
});

describe('helpers', () => {
  it('redacts short values without revealing characters', () => {
    expect(redact('abc')).toBe('…(3)');
    expect(redact('abcdefghij')).toBe('ab…(10)');
  });
  it('computes Shannon entropy', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});
