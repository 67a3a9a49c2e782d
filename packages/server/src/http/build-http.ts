// Builds the HTTP server: framework setup, request ids, security headers, the access pipeline,
// the error handler, OpenAPI with interactive docs, and the routes each feature hands in.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { newRequestId } from '../lib/ids.js';
import { fail } from '../lib/errors.js';
import { errorHandler, sendError } from './error-handler.js';
import { acceptListMethod } from './list-method.js';
import { PER_REQUEST, routeConfig, type App } from './pipeline-types.js';
import { completeDocument, type OpenApiObject } from './openapi/document.js';
import type { FeatureDocs } from '../lib/json-schema.js';

/** Node's server.close() (and closeIdleConnections) leaves a connection that has not sent a request
 *  yet open until it sends one or times out (headersTimeout, 60 s; TLS handshakeTimeout, 120 s): a
 *  client's pre-opened connection, a load balancer's spare one, or the idle socket `fetch` opens when
 *  a stream is aborted held a graceful shutdown until its 10 s limit. On close, such connections are
 *  ended (they carry no request, so nothing is lost); connections serving a request finish it. */
const closeUnusedConnectionsOnClose = (app: App, tls: boolean) => {
  const unused = new Map<string, import('node:net').Socket>(); // by remote address and port
  const key = (s: import('node:net').Socket) => `${s.remoteAddress}|${s.remotePort}`;
  let closing = false;
  const track = (s: import('node:net').Socket) => {
    if (closing) return void s.destroy();
    const k = key(s);
    unused.set(k, s);
    s.once('close', () => {
      if (unused.get(k) === s) unused.delete(k);
    });
  };
  // Over TLS the raw socket is the one to end while its handshake is under way; once the handshake
  // is done the TLS socket (same remote address and port) takes its place.
  app.server.on('connection', track);
  if (tls) app.server.on('secureConnection', track);
  app.server.on('request', (req: import('node:http').IncomingMessage) => {
    const k = key(req.socket);
    if (unused.get(k)) unused.delete(k);
  });
  app.addHook('preClose', (done) => {
    closing = true;
    for (const s of unused.values()) s.destroy();
    unused.clear();
    done();
  });
};

/** The routes each app registered (method, URL, hidden from the document or not), for tests that
 *  check every route is documented. */
const registered = new WeakMap<object, Array<{ method: string; url: string; hidden: boolean }>>();
export const registeredRoutes = (app: App) => registered.get(app) ?? [];

export interface HttpOptions {
  logger: Logger;
  maxBodyBytes: number;
  https?: { cert: Buffer; key: Buffer };
  /** Pipeline hooks, in order: authentication, authorization, audit. */
  hooks: {
    /** Synchronous request rewrites that run first (throw to fail the request). */
    onRequestSync: Array<(req: FastifyRequest) => void>;
    onRequest: Array<(req: FastifyRequest) => Promise<void>>;
    preHandler: Array<(req: FastifyRequest) => Promise<void>>;
    /** Synchronous: return the (possibly changed) payload. */
    preSerialization: Array<(req: FastifyRequest, reply: FastifyReply, payload: unknown) => unknown>;
    onSend: Array<(req: FastifyRequest, reply: FastifyReply, payload: unknown) => Promise<unknown>>;
  };
  routes: Array<(app: App) => void>;
  /** Answers a request no route matched, when it returns true (the Vault-compatible API answers Vault
   *  clients in Vault's shape); otherwise Keyhaven's ROUTE_NOT_FOUND. */
  notFound?: (req: FastifyRequest, reply: FastifyReply) => boolean;
  version: string;
  /** Response documentation of each feature, completed into the OpenAPI document (documentation
   *  only: serialization is not affected). */
  docs?: FeatureDocs[];
  trustProxy?: boolean | string;
  requestLogging?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** True when a string outside the secret value itself (`value`, Vault's `data`) holds a NUL, which
 *  PostgreSQL text cannot store: refused the same way on every backend. */
const holdsNul = (v: unknown, depth: number): boolean => {
  if (typeof v === 'string') return v.includes('\u0000');
  if (!v || typeof v !== 'object' || depth > 8) return false;
  for (const [k, x] of Object.entries(v)) {
    if (depth === 0 && (k === 'value' || k === 'data' || k === 'new_value')) continue;
    if (typeof k === 'string' && k.includes('\u0000')) return true;
    if (holdsNul(x, depth + 1)) return true;
  }
  return false;
};

/** The deepest nesting a request body may have. Deeper JSON (a 36 KB body can nest 6,000 levels)
 *  would overflow the stack wherever a value is walked recursively. Checked without recursion. */
export const MAX_JSON_DEPTH = 64;
const tooDeep = (root: unknown): boolean => {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > MAX_JSON_DEPTH) return true;
    if (v && typeof v === 'object') for (const x of Object.values(v)) if (x && typeof x === 'object') stack.push([x, depth + 1]);
  }
  return false;
};

export const buildHttp = async (opts: HttpOptions): Promise<App> => {
  const serverOpts: FastifyServerOptions = {
    loggerInstance: opts.logger,
    // Per-request lines (method, URL, status; never headers or bodies) only at debug level and below.
    logController: new LogController({ disableRequestLogging: !opts.requestLogging }),
    // Without request logging a per-request child logger only costs time: errors are logged with
    // their request id explicitly (error-handler.ts), so requests share the server's logger.
    ...(opts.requestLogging ? {} : { childLoggerFactory: (logger: FastifyBaseLogger) => logger }),
    bodyLimit: opts.maxBodyBytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newRequestId();
    },
    return503OnClosing: true,
    trustProxy: opts.trustProxy ?? false,
    routerOptions: { maxParamLength: 512 },
    // Errors the router raises before any route runs (over-long or malformed paths) use the catalogue too.
    frameworkErrors: (error: Error & { code?: string }, req: FastifyRequest, reply: FastifyReply) => {
      void sendError(
        reply,
        req,
        error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'VALIDATION_FAILED' : 'ROUTE_NOT_FOUND',
        error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'The path is too long.' : 'The path could not be parsed; check its encoding.',
      );
    },
  } as FastifyServerOptions;
  const app = (opts.https
    ? Fastify({ ...serverOpts, https: opts.https } as FastifyServerOptions)
    : Fastify(serverOpts)
  ).withTypeProvider<ZodTypeProvider>() as unknown as App;
  // Vault clients list with the LIST method, which Node's parser refuses: rewritten before it (list-method.ts).
  acceptListMethod(app.server, opts.https ? 'secureConnection' : 'connection');
  closeUnusedConnectionsOnClose(app, Boolean(opts.https));

  // An empty body sent with Content-Type: application/json (curl -X POST -H 'content-type:
  // application/json', many HTTP clients) means "no body", as it does without the header: a route
  // whose body is optional runs, one that needs a body answers VALIDATION_FAILED. Non-empty bodies go
  // to Fastify's own parser (prototype-poisoning protection included).
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    return jsonParser(req, body as string, done);
  });

  for (const name of PER_REQUEST) app.decorateRequest(name, null);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // A request no route serves is refused by the authentication hook (no access rule) before the
  // not-found handler runs; both give way to opts.notFound.
  app.setErrorHandler((err: Error, req, reply) => {
    if ((err as { code?: string }).code === 'ROUTE_NOT_FOUND' && !routeConfig(req).access && opts.notFound?.(req, reply)) return;
    return errorHandler(err, req, reply);
  });
  app.setNotFoundHandler((req, reply) => {
    if (opts.notFound?.(req, reply)) return;
    return sendError(reply, req, 'ROUTE_NOT_FOUND', `No endpoint ${req.method} ${req.url.split('?')[0]}; see /docs for the API.`);
  });

  for (const h of opts.hooks.onRequestSync) {
    app.addHook('onRequest', (req, _reply, done) => {
      try {
        h(req);
      } catch (e) {
        return done(e as Error);
      }
      done();
    });
  }
  for (const h of opts.hooks.onRequest) app.addHook('onRequest', h);
  // Synchronous hooks use Fastify's callback form: no promise per request.
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.body && typeof req.body === 'object' && tooDeep(req.body))
      return done(fail('VALIDATION_FAILED', `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels; flatten the value.`));
    if (req.body && typeof req.body === 'object' && holdsNul(req.body, 0))
      return done(fail('VALIDATION_FAILED', 'A text field holds a NUL character; only secret values may.'));
    done();
  });
  for (const h of opts.hooks.preHandler) app.addHook('preHandler', h);
  for (const h of opts.hooks.preSerialization)
    app.addHook('preSerialization', (req, reply, payload, done) => done(null, h(req, reply, payload)));
  for (const h of opts.hooks.onSend) app.addHook('onSend', h);
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    if (opts.https) reply.header('strict-transport-security', 'max-age=31536000');
    done(null, payload);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Keyhaven API',
        version: opts.version,
        description:
          'Encrypted, versioned secrets with tenants, tokens and roles. Authenticate with `Authorization: Bearer <token>` and choose the tenant with `X-Tenant-ID`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          tenant: { type: 'apiKey', in: 'header', name: 'X-Tenant-ID' },
        },
      },
      security: [{ bearer: [], tenant: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (o) => completeDocument((o as { openapiObject: OpenApiObject }).openapiObject, opts.docs ?? []) as never,
  });
  const routes: Array<{ method: string; url: string; hidden: boolean }> = [];
  registered.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const m of [route.method].flat())
      if (m !== 'HEAD') routes.push({ method: m, url: route.url, hidden: (route.schema as { hide?: boolean } | undefined)?.hide === true });
    // Documentation routes are public; every other route must declare its own access rule.
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), access: { public: true } };
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  for (const register of opts.routes) register(app);
  app.get('/openapi.json', { config: { access: { public: true } }, schema: { hide: true } }, async () => app.swagger());
  return app;
};
