// Runs the provider conformance suite on AWS Secrets Manager against moto (and real AWS when
// KEYHAVEN_TEST_AWS_REAL=1), plus throttling retries and moto's credential check.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, runProviderConformance } from '../../../test/support/providers/provider-conformance.js';
import { startHttp, type FakeServer } from '../../../test/support/providers/http-fake.js';
import { motoSkipReason, startMoto, type Moto } from '../../../test/support/providers/moto.js';
import { awsSmCapabilities, createAwsSmProvider } from './aws-sm-provider.js';
import { awsSmConfigSchema } from './aws-sm-definition.js';

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
const cfg = (endpoint?: string) => awsSmConfigSchema.parse({ region: 'us-east-1', endpoint, timeoutMs: 3000 });
const skip = motoSkipReason();
let moto: Moto;
let motoAuth: Moto;

runProviderConformance(
  'aws-sm (moto)',
  skip
    ? { skip }
    : {
        capabilities: awsSmCapabilities,
        start: async () => {
          [moto, motoAuth] = await Promise.all([startMoto(), startMoto({ INITIAL_NO_AUTH_ACTION_COUNT: '0' })]);
        },
        stop: async () => {
          await Promise.all([moto?.stop(), motoAuth?.stop()]);
        },
        provider: async () => createAwsSmProvider(cfg(moto.url), creds),
        unavailable: async () => createAwsSmProvider(cfg(`http://127.0.0.1:${await closedPort()}`), creds),
        // moto checks signatures against IAM only with INITIAL_NO_AUTH_ACTION_COUNT set; unknown keys are refused.
        badCredential: async () =>
          createAwsSmProvider(cfg(motoAuth.url), { accessKeyId: 'AKIAWRONGWRONGWRONG0', secretAccessKey: 'wrong' }),
        name: (parts) => parts.join('/'),
      },
);

runProviderConformance(
  'aws-sm (real AWS)',
  process.env.KEYHAVEN_TEST_AWS_REAL === '1'
    ? {
        capabilities: awsSmCapabilities,
        provider: async () => createAwsSmProvider(cfg(), undefined),
        badCredential: async () => createAwsSmProvider(cfg(), { accessKeyId: 'AKIAWRONGWRONGWRONG0', secretAccessKey: 'wrong' }),
        name: (parts) => parts.join('/'),
      }
    : { skip: 'set KEYHAVEN_TEST_AWS_REAL=1 with standard AWS_* credentials and AWS_REGION to run against real AWS' },
);

describe('aws-sm throttling', () => {
  let fake: FakeServer;
  let calls = 0;
  let throttleFirst = 0;
  beforeAll(async () => {
    fake = await startHttp((_req: http.IncomingMessage, res: http.ServerResponse) => {
      calls++;
      if (calls <= throttleFirst) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' });
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ SecretList: [{ Name: 'a' }] }));
    });
  });
  afterAll(async () => fake.close());

  it('retries ThrottlingException with backoff and then succeeds', async () => {
    calls = 0;
    throttleFirst = 2;
    const p = createAwsSmProvider(awsSmConfigSchema.parse({ region: 'us-east-1', endpoint: fake.url, maxAttempts: 4 }), creds);
    expect(await p.list()).toEqual(['a']);
    expect(calls).toBe(3);
  });

  it('gives up after maxAttempts with PROVIDER_THROTTLED', async () => {
    calls = 0;
    throttleFirst = 100;
    const p = createAwsSmProvider(awsSmConfigSchema.parse({ region: 'us-east-1', endpoint: fake.url, maxAttempts: 3 }), creds);
    await expect(p.list()).rejects.toMatchObject({ code: 'PROVIDER_THROTTLED' });
    expect(calls).toBe(3);
  });
});
