// Helpers for the local fake servers (test-only): start a node:http server on 127.0.0.1:0, read
// JSON bodies, send JSON replies, and stop it (closing idle keep-alive sockets).
import http from 'node:http';

export interface FakeServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

export const readBody = (req: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export const readJson = async (req: http.IncomingMessage): Promise<Record<string, unknown>> => {
  const text = await readBody(req);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
};

export const sendJson = (res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
};

export const startHttp = (handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void): Promise<FakeServer> =>
  new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      Promise.resolve(handler(req, res)).catch((e: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String((e as Error)?.message ?? e) });
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        server,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
