// The AWS Secrets Manager provider: secrets with AWSCURRENT/AWSPENDING/AWSPREVIOUS staging labels
// mapped to current/pending/previous, throttling retried with backoff, the 64 KiB limit checked first.
// Imports the AWS SDK, so only aws-sm-definition.ts's create loads it (lazily); schemas live there.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  type ListSecretsCommandOutput,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { fail } from '../../lib/errors.js';
import { capabilityMissing, checkName, checkSize, notFound } from '../provider-support.js';
import type { Label, Provider, ProviderSecretVersion } from '../provider-types.js';
import { AWS_SM_KIND, AWS_SM_NAME, AWS_SM_NAME_RULE, awsSmCapabilities } from './aws-sm-constants.js';
import type { AwsCredential, AwsSmConfig } from './aws-sm-definition.js';
import { awsCall, mapAwsError } from './aws-sm-errors.js';

// Re-exported so existing importers of this module keep working (types erased, constants from
// aws-sm-constants.js); the schemas and the definition object are in aws-sm-definition.js.
export { awsSmCapabilities } from './aws-sm-constants.js';
export type { AwsCredential, AwsSmConfig } from './aws-sm-definition.js';

const KIND = AWS_SM_KIND;
const NAME = AWS_SM_NAME;
const NAME_RULE = AWS_SM_NAME_RULE;
const STAGE: Record<Label, string> = { current: 'AWSCURRENT', pending: 'AWSPENDING', previous: 'AWSPREVIOUS' };
const LABEL = Object.fromEntries(Object.entries(STAGE).map(([k, v]) => [v, k])) as Record<string, Label>;
const VERSION_ID = /^[A-Za-z0-9-]{32,64}$/;

const labelsOf = (stages?: string[]) => (stages ?? []).flatMap((s) => (LABEL[s] ? [LABEL[s]] : []));

export const createAwsSmProvider = (config: AwsSmConfig, credential?: AwsCredential): Provider => {
  const client = new SecretsManagerClient({
    region: config.region,
    endpoint: config.endpoint,
    credentials: credential,
    maxAttempts: 1, // throttling is retried below with jittered backoff; connection failures fail fast
    requestHandler: { connectionTimeout: Math.min(config.timeoutMs, 5000), requestTimeout: config.timeoutMs },
  });
  const where = config.endpoint ?? `Secrets Manager in ${config.region}`;
  const call = <T>(name: string, fn: () => Promise<T>, ref?: { version?: string; label?: Label }) =>
    awsCall(fn, config.maxAttempts, (e) => mapAwsError(e, 'Secrets Manager', where, () => notFound(KIND, name, ref)));
  const check = (name: string) => checkName(name, NAME, NAME_RULE, KIND);

  const stages = async (name: string) => {
    const d = await call(name, () => client.send(new DescribeSecretCommand({ SecretId: name })));
    return d.VersionIdsToStages ?? {};
  };
  const holder = (map: Record<string, string[]>, stage: string) => Object.entries(map).find(([, s]) => s.includes(stage))?.[0];

  const moveStage = async (name: string, stage: string, to: string | undefined, map: Record<string, string[]>) => {
    const from = holder(map, stage);
    if (from === to) return;
    await call(name, () =>
      client.send(
        new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: stage, MoveToVersionId: to, RemoveFromVersionId: from }),
      ),
    );
  };

  const provider: Provider = {
    kind: KIND,
    async testConnection() {
      await call('', () => client.send(new ListSecretsCommand({ MaxResults: 1 })));
      return { ok: true, details: where };
    },
    async create(name, value, opts) {
      check(name);
      checkSize(value, awsSmCapabilities, KIND);
      const tags = Object.entries(opts?.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
      const r = await call(name, () =>
        client.send(
          new CreateSecretCommand({
            Name: name,
            SecretString: value,
            Description: opts?.description,
            Tags: tags.length ? tags : undefined,
          }),
        ),
      );
      return { name, version: r.VersionId!, value, labels: ['current'] };
    },
    async read(name, ref) {
      check(name);
      if (ref?.version !== undefined && !VERSION_ID.test(ref.version)) throw notFound(KIND, name, ref);
      const r = await call(
        name,
        () =>
          client.send(
            new GetSecretValueCommand(
              ref?.version ? { SecretId: name, VersionId: ref.version } : { SecretId: name, VersionStage: STAGE[ref?.label ?? 'current'] },
            ),
          ),
        ref,
      );
      const value = r.SecretString ?? (r.SecretBinary ? Buffer.from(r.SecretBinary).toString('base64') : '');
      return { name, version: r.VersionId!, value, labels: labelsOf(r.VersionStages), createdAt: r.CreatedDate?.toISOString() };
    },
    async write(name, value, opts): Promise<ProviderSecretVersion> {
      check(name);
      checkSize(value, awsSmCapabilities, KIND);
      if (opts?.cas !== undefined) throw capabilityMissing(KIND, 'check-and-set writes');
      const label = opts?.label ?? 'current';
      try {
        const r = await call(name, () =>
          client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value, VersionStages: [STAGE[label]] })),
        );
        return { name, version: r.VersionId!, value, labels: labelsOf(r.VersionStages) };
      } catch (e) {
        if ((e as { code?: string }).code !== 'PROVIDER_SECRET_NOT_FOUND') throw e;
        if (label === 'pending')
          throw fail(
            'PROVIDER_SECRET_NOT_FOUND',
            `aws-sm: ${name} does not exist; a pending value can only be staged on an existing secret.`,
            { kind: KIND, name },
          );
        return provider.create(name, value);
      }
    },
    async moveLabel(name, label, toVersion) {
      check(name);
      await moveStage(name, STAGE[label], toVersion, await stages(name));
    },
    async promote(name, version) {
      check(name);
      const map = await stages(name);
      // AWS moves AWSPREVIOUS to the old current by itself; then AWSPENDING is removed (the clean end state).
      await moveStage(name, 'AWSCURRENT', version, map);
      if (holder(map, 'AWSPENDING')) await moveStage(name, 'AWSPENDING', undefined, map);
    },
    async list(prefix = '') {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const r: ListSecretsCommandOutput = await call('', () =>
          client.send(
            new ListSecretsCommand({
              NextToken: token,
              MaxResults: 100,
              Filters: prefix ? [{ Key: 'name', Values: [prefix] }] : undefined,
            }),
          ),
        );
        for (const s of r.SecretList ?? []) if (s.Name?.startsWith(prefix) && !s.DeletedDate) out.push(s.Name);
        token = r.NextToken;
      } while (token);
      return out.sort();
    },
    async describe(name) {
      check(name);
      const d = await call(name, () => client.send(new DescribeSecretCommand({ SecretId: name })));
      if (d.DeletedDate) throw notFound(KIND, name);
      return {
        name,
        description: d.Description || undefined,
        tags: Object.fromEntries((d.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        versions: Object.entries(d.VersionIdsToStages ?? {}).map(([version, s]) => ({ version, labels: labelsOf(s), enabled: true })),
      };
    },
    async delete(name, opts) {
      check(name);
      await call(name, () =>
        client.send(
          new DeleteSecretCommand(
            opts?.force ? { SecretId: name, ForceDeleteWithoutRecovery: true } : { SecretId: name, RecoveryWindowInDays: 7 },
          ),
        ),
      );
    },
    async close() {
      client.destroy();
    },
  };
  return provider;
};
