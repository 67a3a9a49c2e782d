// Counts round trips to PostgreSQL from the wire: a TCP proxy between Keyhaven and the server reads
// the frontend protocol messages a client sends. A simple Query message ('Q') waits for its answer,
// and so does each Sync ('S') that ends an extended-protocol group (Parse/Bind/Describe/Execute):
// one round trip each. Round trips are grouped into units of work per connection (BEGIN … COMMIT,
// or one round trip outside a transaction), and a unit that touches the audit tables is counted as
// audit, so the audit trail's cost can be told apart from the request's own.
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export interface RoundTrip {
  connection: number;
  /** The SQL texts of this round trip (one 'Q' may hold several statements; a Sync group several Parses). */
  sql: string[];
  audit: boolean;
}

export interface RoundTripCounter {
  readonly proxy: TcpProxy;
  /** Every completed round trip so far, in order (units still open are added when they end). */
  readonly trips: readonly RoundTrip[];
  /** The round trips completed after `mark` (a length of `trips` taken earlier). */
  since(mark: number): { total: number; audit: number; other: number; trips: RoundTrip[] };
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const AUDIT = /\baudit_(head|events|checkpoints|digests)\b/i;
const BEGINS = /^\s*(begin|start transaction)\b/i;
const ENDS = /\b(commit|rollback|end)\s*;?\s*$/i;

export const startRoundTripCounter = async (target: { host: string; port: number }): Promise<RoundTripCounter> => {
  const trips: RoundTrip[] = [];
  const conns = new Map<number, { buf: Buffer; startup: boolean; parsed: string[]; unit: RoundTrip[] | null }>();
  const state = (id: number) => {
    let c = conns.get(id);
    if (!c) conns.set(id, (c = { buf: Buffer.alloc(0), startup: true, parsed: [], unit: null }));
    return c;
  };
  const finishUnit = (unit: RoundTrip[]) => {
    const audit = unit.some((t) => t.sql.some((q) => AUDIT.test(q)));
    for (const t of unit) trips.push({ ...t, audit });
  };
  const roundTrip = (c: ReturnType<typeof state>, connection: number, sql: string[]) => {
    const trip: RoundTrip = { connection, sql, audit: false };
    const first = sql[0] ?? '';
    const last = sql[sql.length - 1] ?? '';
    if (!c.unit && BEGINS.test(first)) c.unit = [];
    if (c.unit) {
      c.unit.push(trip);
      if (ENDS.test(last)) {
        finishUnit(c.unit);
        c.unit = null;
      }
    } else finishUnit([trip]);
  };
  const cstring = (b: Buffer, at: number) => {
    const end = b.indexOf(0, at);
    return { text: b.toString('utf8', at, end), next: end + 1 };
  };
  const proxy = await startTcpProxy(target, {
    tapClient(id, chunk) {
      const c = state(id);
      c.buf = Buffer.concat([c.buf, chunk]);
      for (;;) {
        if (c.startup) {
          if (c.buf.length < 8) return;
          const len = c.buf.readInt32BE(0);
          if (c.buf.length < len) return;
          const code = c.buf.readInt32BE(4);
          c.buf = c.buf.subarray(len);
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) c.startup = false;
          continue;
        }
        if (c.buf.length < 5) return;
        const type = String.fromCharCode(c.buf[0]!);
        const len = c.buf.readInt32BE(1);
        if (c.buf.length < 1 + len) return;
        const body = c.buf.subarray(5, 1 + len);
        c.buf = c.buf.subarray(1 + len);
        if (type === 'Q') roundTrip(c, id, [cstring(body, 0).text]);
        else if (type === 'P') c.parsed.push(cstring(body, cstring(body, 0).next).text);
        else if (type === 'S') roundTrip(c, id, c.parsed.splice(0));
      }
    },
    onClose(id) {
      const c = conns.get(id);
      if (c?.unit) finishUnit(c.unit);
      conns.delete(id);
    },
  });
  return {
    proxy,
    trips,
    since(mark) {
      const list = trips.slice(mark);
      const audit = list.filter((t) => t.audit).length;
      return { total: list.length, audit, other: list.length - audit, trips: list };
    },
    close: () => proxy.close(),
  };
};
