// Vault's LIST method. The vault CLI, hvac, node-vault and HashiCorp's Go client send `LIST /v1/…`,
// which Node's HTTP parser refuses before any code runs (and drops the connection with it). This sits
// between each socket and the parser: it follows HTTP/1.1 request framing (heads, Content-Length and
// chunked bodies) and rewrites a request line `LIST /v1/<path> HTTP/1.1` into
// `GET /v1/<path>?list=true HTTP/1.1`, which Vault itself serves as the same list operation. Bytes it
// cannot frame with certainty (malformed heads, upgrades, conflicting lengths) pass through untouched
// from then on, so the parser sees exactly what it would have seen and answers as it always does.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

const CRLF2 = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024; // above Node's header limit: the parser answers 431 for anything larger
const MAX_LINE = 4096;

type State =
  | { at: 'head' }
  | { at: 'body'; left: number }
  | { at: 'chunk-size' }
  | { at: 'chunk-data'; left: number }
  | { at: 'chunk-end'; left: number }
  | { at: 'trailers' }
  | { at: 'through' };

/** The head as the parser will read it, with a LIST request line rewritten, and what follows it. */
const readHead = (head: Buffer): { out: Buffer; next: State } => {
  const text = head.toString('latin1');
  const lines = text.split('\r\n');
  const m = /^([A-Z-]+) (\S+) (HTTP\/1\.[01])$/.exec(lines[0] ?? '');
  if (!m) return { out: head, next: { at: 'through' } };
  let out = head;
  const [, method, target, version] = m as unknown as [string, string, string, string];
  if (method === 'LIST' && target.startsWith('/v1/')) {
    const line = `GET ${target}${target.includes('?') ? '&' : '?'}list=true ${version}`;
    out = Buffer.concat([Buffer.from(line, 'latin1'), head.subarray(lines[0]!.length)]);
  }
  let length: string | undefined;
  let chunked = false;
  let te = false;
  let upgrade = method === 'CONNECT';
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const i = line.indexOf(':');
    if (i <= 0) return { out, next: { at: 'through' } };
    const name = line.slice(0, i).toLowerCase();
    const value = line.slice(i + 1).trim();
    if (name === 'content-length') {
      if (length !== undefined && length !== value) return { out, next: { at: 'through' } };
      length = value;
    } else if (name === 'transfer-encoding') {
      te = true;
      chunked = /(^|,)\s*chunked\s*$/i.test(value);
    } else if (name === 'upgrade') upgrade = true;
  }
  if (upgrade || (te && (!chunked || length !== undefined))) return { out, next: { at: 'through' } };
  if (chunked) return { out, next: { at: 'chunk-size' } };
  if (length === undefined) return { out, next: { at: 'head' } };
  if (!/^\d{1,15}$/.test(length)) return { out, next: { at: 'through' } };
  const n = Number(length);
  return { out, next: n > 0 ? { at: 'body', left: n } : { at: 'head' } };
};

/** One connection's rewriter: feed it every chunk in order, hand what it returns to the parser. */
export const createListRewriter = () => {
  let state: State = { at: 'head' };
  let pending: Buffer = Buffer.alloc(0); // head, chunk-size line or trailers not yet complete

  return (chunk: Buffer): Buffer => {
    if (state.at === 'through') return chunk;
    const out: Buffer[] = [];
    let data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    while (data.length > 0) {
      const s: State = state;
      if (s.at === 'through') {
        out.push(data);
        break;
      }
      if (s.at === 'head') {
        // The parser skips empty lines before a request line.
        let skip = 0;
        while (skip < data.length && (data[skip] === 13 || data[skip] === 10)) skip++;
        if (skip) {
          out.push(data.subarray(0, skip));
          data = data.subarray(skip);
          continue;
        }
        const end = data.indexOf(CRLF2);
        if (end < 0) {
          if (data.length > MAX_HEAD) {
            state = { at: 'through' };
            out.push(data);
            break;
          }
          pending = Buffer.from(data);
          break;
        }
        const r = readHead(data.subarray(0, end + 4));
        out.push(r.out);
        state = r.next;
        data = data.subarray(end + 4);
      } else if (s.at === 'body' || s.at === 'chunk-data' || s.at === 'chunk-end') {
        const n = Math.min(s.left, data.length);
        out.push(data.subarray(0, n));
        data = data.subarray(n);
        const left = s.left - n;
        if (left > 0) state = { ...s, left };
        else state = s.at === 'body' ? { at: 'head' } : s.at === 'chunk-data' ? { at: 'chunk-end', left: 2 } : { at: 'chunk-size' };
      } else if (s.at === 'chunk-size') {
        const end = data.indexOf('\r\n');
        if (end < 0) {
          if (data.length > MAX_LINE) {
            state = { at: 'through' };
            out.push(data);
            break;
          }
          pending = Buffer.from(data);
          break;
        }
        const m = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(data.subarray(0, end).toString('latin1'));
        out.push(data.subarray(0, end + 2));
        data = data.subarray(end + 2);
        if (!m) {
          state = { at: 'through' };
          continue;
        }
        const size = parseInt(m[1]!, 16);
        state = size > 0 ? { at: 'chunk-data', left: size } : { at: 'trailers' };
      } else {
        // After the last chunk: an empty line, or trailer fields ending with one.
        if (data.length < 2) {
          pending = Buffer.from(data);
          break;
        }
        const end = data[0] === 13 && data[1] === 10 ? 0 : data.indexOf(CRLF2);
        if (end < 0) {
          if (data.length > MAX_HEAD) {
            state = { at: 'through' };
            out.push(data);
            break;
          }
          pending = Buffer.from(data);
          break;
        }
        const n = end === 0 ? 2 : end + 4;
        out.push(data.subarray(0, n));
        data = data.subarray(n);
        state = { at: 'head' };
      }
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  };
};

/** Puts a rewriter in front of the HTTP parser of every connection `server` accepts. Node's server
 *  reads a socket through its 'data' listener once another one is added, so the parser's listener is
 *  replaced by one that hands it the rewritten bytes (and is dropped when the server lets go of it). */
export const acceptListMethod = (server: Server, event: 'connection' | 'secureConnection') => {
  server.on(event, (socket: Socket) => {
    const parserListeners = socket.listeners('data') as Array<(chunk: Buffer) => void>;
    if (parserListeners.length === 0) return;
    const rewrite = createListRewriter();
    for (const l of parserListeners) socket.removeListener('data', l);
    const removeListener = socket.removeListener;
    type Listener = Parameters<Socket['removeListener']>[1];
    socket.removeListener = socket.off = function (this: Socket, event: string | symbol, fn: Listener) {
      const i = event === 'data' ? parserListeners.indexOf(fn) : -1;
      if (i >= 0) {
        parserListeners.splice(i, 1);
        return this;
      }
      return removeListener.call(this, event, fn);
    };
    socket.on('data', (chunk: Buffer | string) => {
      if (parserListeners.length === 0) return;
      const bytes = rewrite(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
      if (bytes.length === 0) return;
      for (const l of [...parserListeners]) l.call(socket, bytes);
    });
  });
};
