// Fails any test that opens a TCP connection to an address other than the loopback range, so SDKs
// that phone home (metadata servers, token endpoints) are caught instead of silently reaching out.
import net from 'node:net';

const isLoopback = (host: string | undefined): boolean => {
  if (!host) return true; // unix sockets and default host (localhost)
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h.endsWith('.localhost') || h.startsWith('/');
};

const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function patched(this: net.Socket, ...args: unknown[]) {
  const first = args[0] as { host?: string; path?: string; port?: number } | number | string;
  let host: string | undefined;
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    host = first.path ? undefined : first.host;
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    host = typeof args[1] === 'string' ? (args[1] as string) : undefined;
  }
  if (!isLoopback(host)) {
    throw new Error(`loopback guard: a test tried to connect to ${host}; tests may only reach 127.0.0.1/localhost`);
  }
  return (original as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
