// A local gRPC fake of Cloud KMS Encrypt/Decrypt (test-only) from the .proto files in
// @google-cloud/kms: AES-256-GCM per CryptoKey with the request's additional authenticated data.
import { status } from '@grpc/grpc-js';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { grpcError, loadGoogleService, startGrpc, unary } from '../providers/grpc-protos.js';

export const startFakeGcpKms = async (token = 'kms-token') => {
  const service = loadGoogleService('@google-cloud/kms', 'google/cloud/kms/v1/service.proto', 'google.cloud.kms.v1.KeyManagementService');
  const keys = new Map<string, Buffer>();
  const keyFor = (name: string) => {
    if (!keys.has(name)) keys.set(name, randomBytes(32));
    return keys.get(name)!;
  };
  const server = await startGrpc(service, {
    encrypt: unary(token, (req: { name: string; plaintext: Buffer; additionalAuthenticatedData: Buffer }) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', keyFor(req.name), iv);
      c.setAAD(req.additionalAuthenticatedData ?? Buffer.alloc(0));
      const ct = Buffer.concat([iv, c.update(req.plaintext), c.final(), c.getAuthTag()]);
      return {
        name: `${req.name}/cryptoKeyVersions/1`,
        ciphertext: ct,
        verifiedPlaintextCrc32c: false,
        verifiedAdditionalAuthenticatedDataCrc32c: false,
        protectionLevel: 'SOFTWARE',
      };
    }),
    decrypt: unary(token, (req: { name: string; ciphertext: Buffer; additionalAuthenticatedData: Buffer }) => {
      try {
        const raw = req.ciphertext;
        const d = createDecipheriv('aes-256-gcm', keyFor(req.name), raw.subarray(0, 12));
        d.setAAD(req.additionalAuthenticatedData ?? Buffer.alloc(0));
        d.setAuthTag(raw.subarray(raw.length - 16));
        return {
          plaintext: Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]),
          usedPrimary: true,
          protectionLevel: 'SOFTWARE',
        };
      } catch {
        throw grpcError(status.INVALID_ARGUMENT, "Decryption failed: verify that 'name' refers to the correct CryptoKey.");
      }
    }),
  });
  return { port: server.port, token, close: server.close };
};
