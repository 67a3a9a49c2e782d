// Checks real responses against the OpenAPI document: the schema the document gives for an
// operation and status (exact status, then 4XX/5XX), compiled with ajv; and the operation a request
// reaches, found from its method and path as a client would (for recorded traffic).
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

export interface Exchange {
  operationId: string;
  method: string;
  url: string;
  status: number;
  body: unknown;
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
  return (exchanges: Exchange[]): string[] => {
    const failures: string[] = [];
    for (const e of exchanges) {
      const response = responseFor(e.operationId, e.status);
      if (!response) {
        failures.push(`${e.operationId} ${e.status}: status not documented`);
        continue;
      }
      const schema = response.content?.['application/json']?.schema;
      if (!response.content && (e.body === undefined || e.body === '')) continue; // documented as a reply without a body
      if (!schema) {
        failures.push(`${e.operationId} ${e.status}: no documented JSON schema`);
        continue;
      }
      const validate = ajv.compile(rebase(schema) as Json);
      if (!validate(e.body))
        failures.push(
          `${e.operationId} ${e.status} ${e.method} ${e.url}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(e.body).slice(0, 300)}`,
        );
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
