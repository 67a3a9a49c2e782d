// Small builders for the JSON Schemas (OpenAPI 3.0 dialect) that document responses. They only
// document: no route uses them to serialize, so a reply is never filtered or coerced by them.
export type JsonSchema = { [k: string]: unknown };

export const str: JsonSchema = { type: 'string' };
export const int: JsonSchema = { type: 'integer' };
export const num: JsonSchema = { type: 'number' };
export const bool: JsonSchema = { type: 'boolean' };
export const dateTime: JsonSchema = { type: 'string', format: 'date-time' };
/** Any JSON value (a secret's value, a rotator's free-form configuration). */
export const anyValue: JsonSchema = {};
/** The schema or null; an enum lists null too (OpenAPI 3.0: `nullable` does not widen an `enum`). */
export const nullable = (s: JsonSchema): JsonSchema => ({
  ...s,
  nullable: true,
  ...(Array.isArray(s.enum) ? { enum: [...(s.enum as unknown[]), null] } : {}),
});
export const oneOf = (...values: string[]): JsonSchema => ({ type: 'string', enum: values });
export const constant = (value: boolean | string): JsonSchema => ({ type: typeof value, enum: [value] });
export const arr = (items: JsonSchema): JsonSchema => ({ type: 'array', items });
/** An object whose keys are data (metadata, counters by status). */
export const map = (values: JsonSchema): JsonSchema => ({ type: 'object', additionalProperties: values });
/** An object the API leaves open on purpose (a provider's configuration, a rotator's options). */
export const openObject: JsonSchema = { type: 'object', additionalProperties: true };
export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** A closed object: every property is required unless listed in `optional`; no other property is
 *  allowed unless `open` (the reply really carries extra, varying keys). */
export const obj = (properties: Record<string, JsonSchema>, o: { optional?: string[]; open?: boolean } = {}): JsonSchema => {
  const required = Object.keys(properties).filter((k) => !o.optional?.includes(k));
  return {
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    additionalProperties: o.open ?? false,
  };
};

export interface ResponseDoc {
  description: string;
  /** Absent for replies without a body. */
  schema?: JsonSchema;
  contentType?: string;
  /** For a body that is a sequence (JSON lines, server-sent events): the schema of each item, a JSON
   *  line or an event's `data` (OpenAPI 3.2's itemSchema; `x-keyhaven-item-schema` in this 3.0 document). */
  itemSchema?: JsonSchema;
  /** Other media types of the same answer (a format chosen by a query parameter), by content type. */
  alternatives?: Record<string, JsonSchema>;
  /** Response headers worth documenting (a redirect's Location), all present in every such answer. */
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

export interface OperationDoc {
  /** Stable, unique: `<feature>.<operation>`, e.g. `secrets.read`. */
  operationId: string;
  /** The documented path when one route serves several operations (the `<name>:describe` suffixes
   *  of the secret routes); the route's own path otherwise. */
  path?: string;
  summary?: string;
  /** Success responses by status. Error responses (the shared Error component) are added to every
   *  operation. */
  responses: Record<number, ResponseDoc>;
  /** The JSON request body, for routes whose schema has none (the Vault-compatible paths read their
   *  bodies by hand); a route's own body schema wins. */
  requestBody?: JsonSchema;
}

/** One feature's documentation: named schemas (components.schemas) and its operations, keyed by
 *  `METHOD /path` as the document spells the route (`GET /v1/tokens/{id}`, `GET /v1/secrets/{*}`). */
export interface FeatureDocs {
  schemas?: Record<string, JsonSchema>;
  operations: Record<string, OperationDoc | OperationDoc[]>;
}

export const ok = (description: string, schema: JsonSchema): Record<number, ResponseDoc> => ({ 200: { description, schema } });
export const created = (description: string, schema: JsonSchema): Record<number, ResponseDoc> => ({ 201: { description, schema } });
export const list = (item: JsonSchema, extra: Record<string, JsonSchema> = {}, optional: string[] = []): JsonSchema =>
  obj({ items: arr(item), ...extra }, { optional });
