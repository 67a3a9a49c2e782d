// Everything the CLI prints on stdout: aligned tables for people (bold header only on a colour
// TTY) and json / yaml / dotenv for machines. Commands hand over data; this file decides the shape.
import YAML from 'yaml';
import { envVarName } from '@keyhaven/sdk';
import type { CliIo } from './io.js';
import { UsageError } from './errors.js';

export type OutputFormat = 'table' | 'json' | 'yaml' | 'dotenv';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
}

export const renderTable = <T>(rows: T[], columns: Column<T>[], color = false): string => {
  const cells = rows.map((r) =>
    columns.map((c) => {
      const v = c.value(r);
      return v === null || v === undefined || v === '' ? '-' : String(v).replace(/[\r\n\t]+/g, ' ');
    }),
  );
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const header = line(columns.map((c) => c.header));
  return [color ? `\x1b[1m${header}\x1b[0m` : header, ...cells.map(line)].join('\n') + '\n';
};

/** Key/value pairs for a single object, aligned: used by describe-like commands. */
export const renderFields = (pairs: Array<[string, unknown]>): string => {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return (
    pairs.map(([k, v]) => `${(k + ':').padEnd(width + 2)}${v === null || v === undefined || v === '' ? '-' : String(v)}`).join('\n') + '\n'
  );
};

export const toJson = (data: unknown) => JSON.stringify(data, null, 2) + '\n';
export const toYaml = (data: unknown) => YAML.stringify(data);

/** An environment variable name from a secret path or field: last segment, upper-cased, non-alnum → `_`. */
export const envName = (name: string): string => envVarName(name);

/** A dotenv value: bare when safe, else double-quoted with \\, ", $, ` and newlines escaped (safe to `source`). */
export const dotenvValue = (v: unknown): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[A-Za-z0-9_.,:@%+\/-]*$/.test(s)) return s;
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$').replace(/`/g, '\\`').replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"`;
};

export const toDotenv = (pairs: Array<[string, unknown]>) => pairs.map(([k, v]) => `${k}=${dotenvValue(v)}\n`).join('');

/** Prints `data` as json/yaml, or as a table/fields through `human` when no machine format is asked. */
export const print = (io: CliIo, format: OutputFormat | undefined, data: unknown, human: () => string) => {
  switch (format) {
    case 'json':
      return io.out(toJson(data));
    case 'yaml':
      return io.out(toYaml(data));
    case 'dotenv':
      throw new UsageError('--format dotenv applies to "secrets get" only; use json or yaml here.');
    default:
      return io.out(human());
  }
};

export const shortDate = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');
