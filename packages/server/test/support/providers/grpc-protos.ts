// Loads Google Cloud .proto files shipped inside node_modules for local gRPC fakes (test-only),
// resolving google/api/* and google/protobuf/* imports from google-gax's bundled protos.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);
/** The package's root folder (some packages do not export ./package.json). */
const pkgDir = (pkg: string) => {
  const main = require.resolve(pkg);
  const marker = `${path.sep}node_modules${path.sep}${pkg.split('/').join(path.sep)}${path.sep}`;
  return main.slice(0, main.lastIndexOf(marker) + marker.length - 1);
};

/** Returns the service definition `service` (e.g. google.cloud.secretmanager.v1.SecretManagerService). */
export const loadGoogleService = (pkg: string, protoFile: string, service: string): grpc.ServiceDefinition => {
  const def = protoLoader.loadSync(path.join(pkgDir(pkg), 'build/protos', protoFile), {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [path.join(pkgDir(pkg), 'build/protos'), path.join(pkgDir('google-gax'), 'build/protos')],
  });
  const loaded = grpc.loadPackageDefinition(def) as unknown as Record<string, unknown>;
  const ctor = service.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], loaded) as {
    service: grpc.ServiceDefinition;
  };
  return ctor.service;
};

export const grpcError = (code: grpc.status, details: string) => Object.assign(new Error(details), { code, details });

/** Checks `authorization: Bearer <token>`; returns an UNAUTHENTICATED error when it is wrong. */
export const checkAuth = (call: grpc.ServerUnaryCall<unknown, unknown>, token: string) =>
  call.metadata.get('authorization')[0] === `Bearer ${token}`
    ? undefined
    : grpcError(grpc.status.UNAUTHENTICATED, 'Request had invalid authentication credentials.');

export const startGrpc = async (service: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) => {
  const server = new grpc.Server();
  server.addService(service, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { port, close: () => new Promise<void>((r) => server.tryShutdown(() => r())), forceClose: () => server.forceShutdown() };
};

/** Wraps a synchronous/async handler as a unary gRPC method with an auth check. */
export const unary =
  <Req, Res>(token: string, fn: (req: Req) => Res | Promise<Res>) =>
  (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => {
    const denied = checkAuth(call as grpc.ServerUnaryCall<unknown, unknown>, token);
    if (denied) return cb(denied);
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (r) => cb(null, r),
        (e: Error) => cb(e as grpc.ServiceError),
      );
  };
