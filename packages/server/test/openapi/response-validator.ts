// Checks real responses against the OpenAPI document: the schema the document gives for an
// operation, status (exact status, then 4XX/5XX) and content type, compiled with ajv; the documented
// headers (a redirect's Location); each JSON line or server-sent event's data of a sequence body
// against its item schema; and the operation a request reaches, found from its method and path as a
// client would (for recorded traffic).
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { ITEM_SCHEMA } from '../../src/http/openapi/document.js';

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

export interface Exchange {
  operationId: string;
  method: string;
  url: string;
  status: number;
  body: unknown;
  /** The answer's headers and raw body: with them the content type, the documented headers and
   *  text bodies (JSON lines, server-sent events) are checked too. */
  headers?: Record<string, unknown>;
  text?: string;
}

export const operationsOf = (doc: Json): Array<{ path: string; method: string; op: Json }> =>
  Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] })),
  );

const rebase = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(rebase)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? `doc${x}` : rebase(x)]))
      : v;

/** The events of a text/event-stream body: `event` and `data` fields, comment lines left out. */
export const parseEventStream = (text: string): Array<{ event?: string; data: string }> =>
  text
    .split(/\r?\n\r?\n/)
    .map((block) => block.split(/\r?\n/).filter((l) => l && !l.startsWith(':')))
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      const field = (name: string) => lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).replace(/^ /, ''));
      return { event: field('event')[0], data: field('data').join('\n') };
    });

const header = (headers: Record<string, unknown>, name: string): string | undefined => {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v === undefined ? undefined : String(v);
};

/** The items of a sequence body (JSON lines, or the data of each server-sent event), parsed. */
const itemsOf = (mediaType: string, text: string): Array<{ where: string; value?: unknown; problem?: string }> => {
  const raw =
    mediaType === 'text/event-stream'
      ? parseEventStream(text).map((e, i) => ({ where: `event ${i + 1}${e.event ? ` (${e.event})` : ''}`, text: e.data }))
      : text
          .split('\n')
          .map((line, i) => ({ where: `line ${i + 1}`, text: line }))
          .filter((l) => l.text !== '');
  return raw.map(({ where, text: t }) => {
    try {
      return { where, value: JSON.parse(t) as unknown };
    } catch {
      return { where, problem: `not JSON: ${t.slice(0, 120)}` };
    }
  });
};

/** Returns the problems of each exchange against the document (empty when all hold). */
export const createResponseChecker = (doc: Json) => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema({ $id: 'doc', components: { schemas: rebase(doc.components.schemas) } });
  const ops = operationsOf(doc);
  const responseFor = (operationId: string, status: number): Json | undefined => {
    const found = ops.find((o) => o.op.operationId === operationId);
    if (!found) throw new Error(`no operation ${operationId} in the document`);
    const r = found.op.responses[String(status)] ?? found.op.responses[`${String(status)[0]}XX`];
    return r?.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r;
  };
  const check = (schema: Json, value: unknown): string | undefined => {
    const validate = ajv.compile(rebase(schema) as Json);
    return validate(value) ? undefined : ajv.errorsText(validate.errors);
  };
  return (exchanges: Exchange[]): string[] => {
    const failures: string[] = [];
    for (const e of exchanges) {
      const where = `${e.operationId} ${e.status} ${e.method} ${e.url}`;
      const response = responseFor(e.operationId, e.status);
      if (!response) {
        failures.push(`${e.operationId} ${e.status}: status not documented`);
        continue;
      }
      const empty = e.text !== undefined ? e.text === '' : e.body === undefined || e.body === '';
      // The documented headers (a redirect's Location): present and as their schema says.
      for (const [name, h] of Object.entries((response.headers ?? {}) as Json)) {
        if (!e.headers) {
          failures.push(`${where}: the answer's headers were not recorded, ${name} is documented`);
          continue;
        }
        const value = header(e.headers, name);
        if (value === undefined) {
          if (h.required) failures.push(`${where}: no ${name} header`);
          continue;
        }
        const problem = check(h.schema ?? {}, value);
        if (problem) failures.push(`${where}: header ${name} ${JSON.stringify(value)}: ${problem}`);
      }
      if (!response.content && empty) continue; // documented as a reply without a body
      if (!response.content) {
        failures.push(`${where}: a body where the document describes none`);
        continue;
      }
      // The media type: the answer's Content-Type when recorded, JSON otherwise.
      const contentType = e.headers ? header(e.headers, 'content-type') : 'application/json';
      const mediaType = contentType?.split(';')[0]!.trim().toLowerCase();
      const media = mediaType ? response.content[mediaType] : undefined;
      if (!media?.schema) {
        failures.push(`${where}: content type ${contentType ?? '(none)'} not documented (${Object.keys(response.content).join(', ')})`);
        continue;
      }
      if (mediaType === 'application/json') {
        const problem = check(media.schema, e.body);
        if (problem) failures.push(`${where}: ${problem} in ${JSON.stringify(e.body).slice(0, 300)}`);
        continue;
      }
      // A text body: its schema is the text; a sequence's items are checked one by one.
      const text = e.text ?? (typeof e.body === 'string' ? e.body : undefined);
      if (text === undefined) {
        failures.push(`${where}: a ${mediaType} body, but its text was not recorded`);
        continue;
      }
      const problem = check(media.schema, text);
      if (problem) failures.push(`${where}: ${problem}`);
      const itemSchema = media[ITEM_SCHEMA] as Json | undefined;
      if (!itemSchema) continue;
      for (const item of itemsOf(mediaType!, text)) {
        const p = item.problem ?? check(itemSchema, item.value);
        if (p) failures.push(`${where} ${item.where}: ${p} in ${JSON.stringify(item.value).slice(0, 300)}`);
      }
    }
    return failures;
  };
};

/** The operation a request reaches: the documented path templates as patterns (a trailing `{path}`
 *  or `{name}` of the wildcard routes takes slashes), the most literal match first. */
export const createOperationFinder = (doc: Json) => {
  const candidates = operationsOf(doc).map(({ path, method, op }) => {
    const pattern = path
      .split(/(\{[^}]+\})/)
      .map((part, i, all) =>
        /^\{[^}]+\}$/.test(part)
          ? i === all.length - 1 || all[i + 1] === ''
            ? '(.+)'
            : '([^/]+)'
          : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
      )
      .join('');
    return {
      method: method.toUpperCase(),
      re: new RegExp(`^${pattern}$`),
      literal: path.replace(/\{[^}]+\}/g, '').length,
      id: op.operationId as string,
    };
  });
  candidates.sort((a, b) => b.literal - a.literal);
  return (method: string, url: string): string | undefined => {
    const p = decodeURIComponent(new URL(url, 'http://x').pathname);
    return candidates.find((c) => c.method === method && c.re.test(p))?.id;
  };
};
