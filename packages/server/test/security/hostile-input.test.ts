// Malformed and hostile input at every endpoint (property-based with fast-check): no 5xx, no hang,
// and the stored data is unchanged afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const ENDPOINTS: Array<[string, string]> = [
  ['POST', '/v1/secrets'],
  ['GET', '/v1/secrets'],
  ['PUT', '/v1/secrets/{name}'],
  ['GET', '/v1/secrets/{name}'],
  ['PATCH', '/v1/secrets/{name}'],
  ['DELETE', '/v1/secrets/{name}'],
  ['POST', '/v1/secrets/{name}:restore'],
  ['POST', '/v1/secrets/{name}:destroy'],
  ['GET', '/v1/secrets/{name}:describe'],
  ['POST', '/v1/tokens'],
  ['GET', '/v1/tokens/{name}'],
  ['DELETE', '/v1/tokens/{name}'],
  ['POST', '/v1/tenants'],
  ['GET', '/v1/tenants/{name}'],
  ['PUT', '/v1/policies/{name}'],
  ['PUT', '/v1/roles/{name}'],
  ['GET', '/v1/audit/events'],
  ['GET', '/v1/audit/access/{name}'],
  ['POST', '/v1/fingerprints/match'],
  ['POST', '/v1/sys/audit/prune'],
  ['POST', '/v1/tokens/self/renew'],
];

const hostileString = fc.oneof(
  fc.string({ maxLength: 64 }),
  fc.constantFrom(
    '../../etc/passwd',
    '%00',
    '\u0000',
    "' OR 1=1 --",
    '"; DROP TABLE secrets; --',
    '${jndi:ldap://x}',
    '<script>',
    '..%2f..%2f',
    '\uD800',
    'a'.repeat(5000),
    '/',
    '//',
    ':',
    'x:destroy',
  ),
);
const hostileJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({ name: hostileString, value: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string()), fc.boolean()) }),
  fc.record({ value: fc.string(), cas: fc.oneof(fc.string(), fc.double(), fc.constant(-1)) }),
  fc.record({ rules: fc.array(fc.record({ effect: hostileString, actions: fc.array(hostileString) })) }),
  fc.record({ sha256: fc.array(hostileString) }),
  fc.record({ older_than_days: fc.oneof(fc.string(), fc.constant(0), fc.constant(-5)) }),
);
const rawBody = fc.oneof(
  hostileJson.map((j) => ({ raw: JSON.stringify(j) })),
  fc.string({ maxLength: 200 }).map((t) => ({ raw: t })),
  fc.constantFrom(
    { raw: '{"name": "x", "value": ' },
    { raw: '[' + '['.repeat(2000) },
    { raw: '{"__proto__": {"polluted": true}, "value": "x"}' },
    { raw: '' },
  ),
);

/** Percent-encodes a name; lone surrogates become invalid UTF-8 escapes (hostile in their own right). */
const safeEncode = (name: string) => {
  try {
    return encodeURIComponent(name).replace(/%2F/g, '/');
  } catch {
    return '%ED%A0%80' + encodeURIComponent(name.replace(/[\uD800-\uDFFF]/g, ''));
  }
};

describe.each(backends())('hostile input on %s', (backend) => {
  let s: TestServer;
  const snapshot = async () =>
    JSON.stringify(
      (await s.call('GET', '/v1/secrets?include_deleted=true&limit=1000')).body.items.map((i: Record<string, unknown>) => ({ ...i })),
    );
  beforeAll(async () => {
    s = await startTestServer(backend, { config: { authFailureLimit: 1_000_000 } });
    await s.call('POST', '/v1/secrets', { body: { name: 'keep/me', value: 'kept', tags: ['a'] } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers every malformed request with a 4xx and a catalogue code, and changes nothing', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS),
        hostileString,
        rawBody,
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        fc.boolean(),
        async ([method, template], name, body, contentType, badToken) => {
          const url = template.replace('{name}', safeEncode(name));
          const r = await s.call(method, url, {
            raw: method === 'GET' || method === 'DELETE' ? undefined : body.raw,
            headers: { 'content-type': contentType },
            token: badToken ? 'khv_x_y' : undefined,
          });
          if (r.status >= 500) throw new Error(`${method} ${url} → ${r.status} ${r.text.slice(0, 200)}`);
          if (r.status >= 400) {
            if (typeof r.body?.error?.code !== 'string')
              throw new Error(`${method} ${url} → ${r.status} without an error code: ${r.text.slice(0, 200)}`);
          }
        },
      ),
      { numRuns: 300 },
    );
    // Anything a well-formed hostile request may have created is outside keep/me; keep/me is intact.
    expect((await s.call('GET', '/v1/secrets/keep/me')).body.value).toBe('kept');
    const after = JSON.parse(await snapshot()).filter((i: { name: string }) => i.name === 'keep/me');
    expect(after).toEqual(JSON.parse(before).filter((i: { name: string }) => i.name === 'keep/me'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses NUL characters in paths, queries and bodies with a 400 (PostgreSQL text cannot hold them)', async () => {
    for (const [method, url, body] of [
      ['GET', '/v1/tenants/%00', undefined],
      ['GET', '/v1/secrets?prefix=%00', undefined],
      ['GET', '/v1/secrets/a%00b', undefined],
      ['PATCH', '/v1/secrets/keep/me', { description: 'x\u0000y' }],
      ['POST', '/v1/tokens', { name: 'n\u0000', role: 'read' }],
      ['PUT', '/v1/secrets/nul/test', { value: 'ok', owner: '\u0000' }],
    ] as const) {
      const r = await s.call(method, url, { body });
      expect({ url, status: r.status, code: r.body?.error?.code }).toMatchObject({ url, status: 400 });
    }
    expect((await s.call('GET', '/v1/secrets/nul/test')).status).toBe(404);
    expect((await s.call('GET', '/v1/secrets/keep/me:describe')).body.description).toBeNull();
  });

  it('refuses a JSON value nested thousands of levels deep (under the size limit) with a 400 that says why', async () => {
    const deep = (n: number) => '{"a":'.repeat(n) + '"x"' + '}'.repeat(n);
    for (const [method, url, raw] of [
      ['PUT', '/v1/secrets/deep/one', `{"value":${deep(6000)}}`],
      ['POST', '/v1/secrets', `{"name":"deep/two","value":${deep(6000)}}`],
      ['PATCH', '/v1/secrets/keep/me', `{"metadata":${deep(6000)}}`],
    ] as const) {
      const r = await s.call(method, url, { raw, headers: { 'content-type': 'application/json' } });
      expect({ url, status: r.status }).toEqual({ url, status: 400 });
      expect(r.text).toMatch(/nests deeper than 64 levels/);
    }
    // A value at a sane depth is still accepted.
    expect(
      (await s.call('PUT', '/v1/secrets/deep/ok', { raw: `{"value":${deep(20)}}`, headers: { 'content-type': 'application/json' } }))
        .status,
    ).toBeLessThan(300);
    expect((await s.call('GET', '/v1/secrets/deep/one')).status).toBe(404);
    await s.call('DELETE', '/v1/secrets/deep/ok');
  });

  it('treats an empty body sent as application/json as no body: optional-body routes run, others say the body is missing', async () => {
    const verify = await s.call('POST', '/v1/sys/audit/verify', { raw: '', headers: { 'content-type': 'application/json' } });
    expect(verify.status).toBe(200);
    expect(verify.body.ok).toBe(true);
    const create = await s.call('POST', '/v1/secrets', { raw: '', headers: { 'content-type': 'application/json' } });
    expect(create.status).toBe(400);
    expect(create.body.error.code).toBe('VALIDATION_FAILED');
    const broken = await s.call('POST', '/v1/secrets', { raw: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(broken.body.error.code).toBe('MALFORMED_JSON');
  });

  it('changes nothing at all when every body is malformed', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS.filter(([m]) => m !== 'GET' && m !== 'DELETE')),
        fc.string({ maxLength: 100 }).filter((t) => {
          if (t.trim() === '') return false;
          /* an empty body is no body, not a malformed one */ try {
            JSON.parse(t);
            return false;
          } catch {
            return true;
          }
        }),
        async ([method, template], raw) => {
          const r = await s.call(method, template.replace('{name}', 'keep/me'), { raw });
          if (r.status >= 500 || r.status < 400) throw new Error(`${method} ${template} with ${JSON.stringify(raw)} → ${r.status}`);
        },
      ),
      { numRuns: 200 },
    );
    expect(await snapshot()).toBe(before);
  });
});
