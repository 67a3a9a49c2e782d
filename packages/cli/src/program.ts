// Creates the `keyhaven` commander program: global options, root help, and the list of command
// groups. Commands throw; run.ts turns errors into exit codes.
import { Command } from 'commander';
import { addGlobalOptions, createContext } from './context.js';
import { EXIT_CODES_HELP } from './errors.js';
import { processIo, type CliIo } from './io.js';
import { registerSecretsCommands } from './commands/secrets.js';
import { registerServerCommand } from './commands/server.js';
import { registerTenantsCommands } from './commands/tenants.js';
import { registerTokensCommands } from './commands/tokens.js';
import { registerLoginCommands } from './commands/login.js';
import { registerAuthCommands } from './commands/auth.js';
import { registerProvidersCommands } from './commands/providers.js';
import { registerSyncCommands } from './commands/sync.js';
import { registerNotificationsCommands } from './commands/notifications.js';
import { registerOperatorCommands } from './commands/operator.js';
import { registerRotateCommands } from './commands/rotate.js';
import { registerScheduleCommands } from './commands/schedule.js';
import { registerRunCommand } from './commands/run.js';
import { registerInjectCommand } from './commands/inject.js';
import { registerExportCommand } from './commands/export.js';
import { registerImportCommand } from './commands/import.js';
import { registerScanCommand } from './commands/scan.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerAccessCommands } from './commands/access.js';
import { registerStatusCommand } from './commands/status.js';
import { registerCompletionCommand } from './commands/completion.js';

import { CLI_VERSION } from './version.js';
export { CLI_VERSION };

export const buildProgram = (io: CliIo = processIo()): Command => {
  const program = new Command('keyhaven')
    .description('Keyhaven: a self-hosted secrets manager. Talks to a server at --addr with --token.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(add --help for usage)');
  addGlobalOptions(program);
  const ctx = createContext(program, io);

  registerServerCommand(program, ctx);
  registerSecretsCommands(program, ctx);
  registerTenantsCommands(program, ctx);
  registerTokensCommands(program, ctx);
  registerLoginCommands(program, ctx);
  registerAuthCommands(program, ctx);
  registerProvidersCommands(program, ctx);
  registerSyncCommands(program, ctx);
  registerNotificationsCommands(program, ctx);
  registerOperatorCommands(program, ctx);
  registerRotateCommands(program, ctx);
  registerScheduleCommands(program, ctx);
  registerRunCommand(program, ctx);
  registerInjectCommand(program, ctx);
  registerExportCommand(program, ctx);
  registerImportCommand(program, ctx);
  registerScanCommand(program, { getClient: () => ctx.getClient() });
  registerAuditCommands(program, ctx);
  registerAccessCommands(program, ctx);
  registerStatusCommand(program, ctx);
  registerCompletionCommand(program, ctx);

  program.addHelpText(
    'after',
    `
Environment:
  KEYHAVEN_ADDR    server address (default http://127.0.0.1:8377)
  KEYHAVEN_TOKEN   API token (wins over the token stored by keyhaven login)
  KEYHAVEN_TENANT  tenant (default "default")
${EXIT_CODES_HELP}

Examples:
  keyhaven server --dev --dev-root-token dev-root
  export KEYHAVEN_ADDR=http://127.0.0.1:8377 KEYHAVEN_TOKEN=dev-root
  keyhaven secrets set app/prod/db --field user=app --field password=s3cret
  keyhaven secrets get app/prod/db#password
  keyhaven secrets list --format json
  keyhaven -V    # print the CLI version`,
  );
  return program;
};
