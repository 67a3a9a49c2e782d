// `keyhaven operator rewrap --to <config.yaml>`: re-wraps the keyring under a new master key source
// (local, aws-kms, gcp-kms, azure-kv-keys, vault-transit) on a running server; root token only.
// backup / restore / verify-backup live in operator-backup.ts.
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { print } from '../output.js';
import { readMapping } from './provider-input.js';
import { registerBackupCommands } from './operator-backup.js';

export const registerOperatorCommands = (program: Command, ctx: CommandContext) => {
  const operator = program
    .command('operator')
    .description('server operations: master key re-wrap (root token), backup, restore and backup checks');

  operator
    .command('rewrap')
    .description('re-wrap the keyring under a new master key source; restart the server with that source afterwards')
    .requiredOption('--to <file>', 'YAML/JSON with a masterKeySource block (or the block itself), e.g. kind: aws-kms, keyId, region')
    .addHelpText(
      'after',
      `
Example (kms.yaml):
  masterKeySource:
    kind: aws-kms
    keyId: arn:aws:kms:us-east-1:111122223333:key/…
    region: us-east-1

  keyhaven operator rewrap --to kms.yaml
  # then restart with KEYHAVEN_MASTER_KEY_SOURCE_FILE=kms.yaml (or masterKeySource in the config file)`,
    )
    .action(async (o: { to: string }) => {
      const doc = await readMapping('master key source', o.to, ctx.io);
      const source = (doc.masterKeySource ?? doc) as Record<string, unknown>;
      if (typeof source.kind !== 'string') throw new UsageError(`${o.to} needs a masterKeySource block with a "kind".`);
      const r = await ctx.getClient().operator.rewrapMasterKey(source);
      print(ctx.io, ctx.globals().format, r, () => `${r.message}\n`);
    });

  registerBackupCommands(operator, ctx);
};
