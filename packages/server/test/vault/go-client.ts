// The request shapes of HashiCorp's Go client (github.com/hashicorp/vault/api), which the vault CLI,
// the External Secrets Operator and Terraform use, replayed over node's http with a keep-alive agent
// (the Go transport reuses connections too):
//   Logical().ReadWithDataWithContext  GET  /v1/<path>[?version=n]          404 → nil unless the body has data or warnings
//   Logical().ListWithContext          GET  /v1/<path>?list=true            (built as LIST, sent as GET) 404 → nil likewise
//   Logical().WriteWithContext         PUT  /v1/<path>  body json.Encoder   no Content-Type header
//   Logical().DeleteWithContext        DELETE /v1/<path>
//   Logical().JSONMergePatch           PATCH /v1/<path>  Content-Type application/merge-patch+json (vault kv patch)
// Headers: X-Vault-Token, X-Vault-Request: true, X-Vault-Namespace when a namespace is set,
// User-Agent Go-http-client/1.1 and Accept-Encoding gzip (net/http's defaults). Errors: any other
// status ≥ 400 is a ResponseError carrying the body's "errors" list.
import http from 'node:http';

export interface SentRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}
export interface GoSecret {
  data: Record<string, any> | null;
  warnings: string[] | null;
  [k: string]: unknown;
}

export class GoResponseError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errors: string[],
  ) {
    super(`Error making API request. Code: ${statusCode}. Errors: ${errors.map((e) => `* ${e}`).join(' ')}`);
  }
}

/** encoding/json's Encoder output: map keys sorted, <, >, & and U+2028/2029 escaped, a trailing newline. */
export const goJson = (v: unknown): string => {
  const sort = (x: unknown): unknown =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x as object)
            .sort()
            .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
        )
      : Array.isArray(x)
        ? x.map(sort)
        : x;
  return JSON.stringify(sort(v)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
};

/** url.Values.Encode(): keys sorted, query-escaped. */
const encodeParams = (p: Record<string, string[]>) =>
  Object.keys(p)
    .sort()
    .flatMap((k) => p[k]!.map((v) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
    .join('&');

export const createGoClient = (address: string, opts: { token: string; namespace?: string }) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const sent: SentRequest[] = [];

  const raw = (method: string, path: string, params?: Record<string, string[]>, body?: unknown, extra: Record<string, string> = {}) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const query = params && Object.keys(params).length ? `?${encodeParams(params)}` : '';
      const url = new URL(`/v1/${path}${query}`, address);
      const payload = body === undefined ? undefined : goJson(body);
      const headers: Record<string, string> = {
        'User-Agent': 'Go-http-client/1.1',
        'X-Vault-Request': 'true',
        'X-Vault-Token': opts.token,
        'Accept-Encoding': 'gzip',
      };
      if (opts.namespace) headers['X-Vault-Namespace'] = opts.namespace;
      if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
      Object.assign(headers, extra);
      sent.push({ method, path: url.pathname + url.search, headers, body: payload ?? '' });
      const req = http.request(url, { method, agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.end(payload);
    });

  const parse = (text: string): GoSecret | null => (text.trim() ? JSON.parse(text) : null);
  const fail = (status: number, text: string) => {
    let errors: string[] = [];
    try {
      errors = JSON.parse(text).errors ?? [];
    } catch {
      /* not JSON */
    }
    return new GoResponseError(status, errors);
  };
  /** The Go client's handling of a 404 on read and list: nil, unless the body carries data or warnings. */
  const readLike = async (r: { status: number; text: string }) => {
    if (r.status === 404) {
      const s = parse(r.text);
      return s && ((s.warnings?.length ?? 0) > 0 || (s.data && Object.keys(s.data).length > 0)) ? s : null;
    }
    if (r.status >= 400) throw fail(r.status, r.text);
    return parse(r.text);
  };

  return {
    sent,
    async read(path: string, params?: Record<string, string[]>) {
      return readLike(await raw('GET', path, params));
    },
    async list(path: string) {
      return readLike(await raw('GET', path, { list: ['true'] }));
    },
    async write(path: string, data: Record<string, unknown>) {
      const r = await raw('PUT', path, undefined, data);
      if (r.status >= 400) throw fail(r.status, r.text);
      return parse(r.text);
    },
    /** Logical().JSONMergePatch (vault kv patch): PATCH with Content-Type application/merge-patch+json. */
    async patch(path: string, data: Record<string, unknown>) {
      const r = await raw('PATCH', path, undefined, data, { 'Content-Type': 'application/merge-patch+json' });
      if (r.status >= 400) throw fail(r.status, r.text);
      return parse(r.text);
    },
    async delete(path: string) {
      const r = await raw('DELETE', path);
      if (r.status >= 400) throw fail(r.status, r.text);
      return parse(r.text);
    },
    close() {
      agent.destroy();
    },
  };
};

export type GoClient = ReturnType<typeof createGoClient>;
