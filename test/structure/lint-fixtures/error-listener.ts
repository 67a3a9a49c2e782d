// Lint fixture, never run: cases for keyhaven/error-listener. A line ending in "// ✗ <rule>" must be
// reported by that rule, and no other line may be (test/structure/lint-rules.test.ts).
import { createReadStream } from 'node:fs';
import net from 'node:net';
import { PassThrough, Transform, pipeline } from 'node:stream';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';

export const noListener = async () => {
  const c = new pg.Client(); // ✗ keyhaven/error-listener
  await c.connect();
};
export const listened = async () => {
  const c = new pg.Client();
  c.on('error', () => {});
  await c.connect();
};
export const listenedInClosure = () => {
  const pool = new pg.Pool();
  return () => pool.once('error', () => {});
};
export const chained = () => new pg.Pool().on('error', () => {});
export const discarded = () => void new pg.Pool().connect(); // ✗ keyhaven/error-listener
export const returned = () => new pg.Client(); // ✗ keyhaven/error-listener
export const socket = () => {
  const s = net.connect(5432, '127.0.0.1'); // ✗ keyhaven/error-listener
  s.write('x');
};
export const socketListened = () => {
  const s = net.createConnection(5432);
  s.on('error', () => {});
  return s;
};
export const redis = () => {
  const r = new Redis({ lazyConnect: true }); // ✗ keyhaven/error-listener
  return r;
};
export const mysqlListened = async () => {
  const c = await mysql.createConnection({});
  c.on('error', () => {});
  return c;
};
export const mysqlNot = async () => {
  const c = await mysql.createConnection({}); // ✗ keyhaven/error-listener
  return c;
};
export const streamReturned = () => new PassThrough();
export const streamPiped = (done: (e: unknown) => void) => {
  const r = createReadStream('x');
  pipeline(r, new PassThrough(), done);
};
export const streamAlone = () => {
  const t = new Transform(); // ✗ keyhaven/error-listener
  t.write('x');
};
export const methodsReturningThis = (s: net.Socket) => s.setNoDelay(true).destroy();
