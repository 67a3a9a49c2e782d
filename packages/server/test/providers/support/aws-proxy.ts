// Test-only: a pass-through HTTP proxy in front of moto that fails the AWS Secrets Manager operations
// named in `failing` (answered as AccessDeniedException), to inject failures at chosen steps.
import { readBody, sendJson, startHttp, type FakeServer } from '../../support/providers/http-fake.js';

export const startAwsProxy = async (target: string, failing: Set<string>): Promise<FakeServer> =>
  startHttp(async (req, res) => {
    const body = await readBody(req);
    const op = String(req.headers['x-amz-target'] ?? '').replace('secretsmanager.', '');
    if (failing.has(op))
      return sendJson(
        res,
        400,
        { __type: 'AccessDeniedException', message: 'injected failure' },
        { 'content-type': 'application/x-amz-json-1.1' },
      );
    const headers = { ...req.headers };
    delete headers['content-length'];
    const r = await fetch(target + (req.url ?? '/'), {
      method: req.method,
      headers: headers as Record<string, string>,
      body: body || undefined,
    });
    const out = Buffer.from(await r.arrayBuffer());
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(out);
  });
