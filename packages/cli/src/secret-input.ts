// How `secrets set` and `secrets update` take their input: the value sources (argument, --stdin,
// --file, --field, --json) and the metadata flags shared by creation and update.
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { Criticality, SecretMetadata, SecretType, SecretValue } from '@keyhaven/sdk';
import { UsageError } from './errors.js';
import type { CliIo } from './io.js';
import { collect, parseExpiry, parsePair, parsePositiveInt } from './parse.js';

export const SECRET_TYPES = [
  'api_key',
  'token',
  'password',
  'database_credentials',
  'ssh_key',
  'tls_certificate',
  'oauth_token',
  'jwt_secret',
  'encryption_key',
  'webhook_secret',
  'service_account_key',
  'generic',
] as const satisfies readonly SecretType[];
export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const satisfies readonly Criticality[];

export interface MetadataOptions {
  type?: SecretType;
  description?: string;
  tag?: string[];
  service?: string;
  environment?: string;
  criticality?: Criticality;
  owner?: string;
  expiresAt?: string;
  maxVersions?: string;
  meta?: string[];
}

export const addMetadataOptions = (cmd: Command) =>
  cmd
    .addOption(new Option('--type <type>', 'secret type').choices(SECRET_TYPES))
    .option('--description <text>', 'what the secret is for')
    .option('--tag <tag>', 'tag (repeatable)', collect)
    .option('--service <name>', 'service that uses the secret')
    .option('--environment <env>', 'environment, e.g. prod or staging')
    .addOption(new Option('--criticality <level>', 'how bad a leak would be').choices(CRITICALITIES))
    .option('--owner <who>', 'owner (person or team)')
    .option('--expires-at <time>', 'RFC 3339 time or a duration from now such as 90d')
    .option('--max-versions <n>', 'how many versions to keep')
    .option('--meta <key=value>', 'free-form metadata entry (repeatable)', collect);

/** The metadata given on the command line; absent flags stay absent. */
export const metadataFrom = (o: MetadataOptions): SecretMetadata => {
  const m: SecretMetadata = {};
  if (o.type) m.type = o.type;
  if (o.description !== undefined) m.description = o.description;
  if (o.tag?.length) m.tags = o.tag;
  if (o.service !== undefined) m.service = o.service;
  if (o.environment !== undefined) m.environment = o.environment;
  if (o.criticality) m.criticality = o.criticality;
  if (o.owner !== undefined) m.owner = o.owner;
  if (o.expiresAt !== undefined) m.expires_at = parseExpiry('--expires-at', o.expiresAt);
  if (o.maxVersions !== undefined) m.max_versions = parsePositiveInt('--max-versions', o.maxVersions);
  if (o.meta?.length) m.metadata = Object.fromEntries(o.meta.map((p) => parsePair('--meta', p)));
  return m;
};

export interface ValueOptions {
  field?: string[];
  json?: boolean;
  file?: string;
  stdin?: boolean;
}

const parseJsonObject = (text: string, source: string): Record<string, unknown> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the input, which may be secret: say only where it came from.
    throw new UsageError(`--json: the value from ${source} is not valid JSON.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--json: the value from ${source} must be a JSON object ({"key": "value", ...}).`);
  }
  return parsed as Record<string, unknown>;
};

const stripFinalNewline = (s: string) => s.replace(/\r?\n$/, '');

/** Reads the value from exactly one source; refuses none or several. */
export const readValue = async (arg: string | undefined, o: ValueOptions, io: CliIo): Promise<SecretValue> => {
  const fromStdin = Boolean(o.stdin) || arg === '-';
  const sources = [
    arg !== undefined && arg !== '-' && 'VALUE argument',
    fromStdin && '--stdin',
    o.file !== undefined && '--file',
    Boolean(o.field?.length) && '--field',
  ].filter((s): s is string => Boolean(s));
  if (sources.length === 0) {
    throw new UsageError('No value given: pass VALUE, --stdin (or "-"), --file FILE, or --field key=value.');
  }
  if (sources.length > 1) throw new UsageError(`Give the value one way only (got ${sources.join(' and ')}).`);
  if (o.field?.length) {
    if (o.json) throw new UsageError('--json and --field cannot be combined; --field already builds a JSON object.');
    return Object.fromEntries(o.field.map((p) => parsePair('--field', p)));
  }
  let text: string;
  let source: string;
  if (fromStdin) {
    if (io.stdinIsTTY) io.err('Reading the value from stdin; end with Ctrl-D.\n');
    text = stripFinalNewline(await io.readStdin());
    source = 'stdin';
  } else if (o.file !== undefined) {
    try {
      text = await readFile(o.file, 'utf8');
    } catch (e) {
      throw new UsageError(`--file: cannot read ${o.file} (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
    source = o.file;
  } else {
    text = arg as string;
    source = 'the VALUE argument';
  }
  if (o.json) return parseJsonObject(text, source);
  if (text === '') throw new UsageError(`The value from ${source} is empty; refusing to store an empty secret.`);
  return text;
};
