// A long-lived GET over node:http/https on its own connection (no shared keep-alive pool), returned
// as a fetch Response: used for the event stream so that an aborted stream leaves no pooled or
// half-open connection behind (undici may open a spare one that holds up a server's shutdown).
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

export const streamRequest = (url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Response> =>
  new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method: 'GET', headers, agent: false, signal }, (res) => {
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
      const status = res.statusCode ?? 500;
      const body = status === 204 || status === 304 ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
      resolve(new Response(body, { status, headers: h }));
    });
    req.on('error', reject);
    req.end();
  });
