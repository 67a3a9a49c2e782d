// Public entry of @keyhaven/server: what the CLI and tests use to configure and run a server.
export { loadConfig } from './config/load-config.js';
export type { KeyhavenConfig, KeyhavenConfigInput } from './config/config-schema.js';
export { buildApp, bootstrap, VERSION, type KeyhavenApp } from './app.js';
export { startServer, type RunningServer } from './start-server.js';
export { KeyhavenError, ERRORS, type ErrorCode } from './lib/errors.js';
export {
  backupSqlite,
  restoreSqlite,
  verifyBackup,
  verifyStore,
  readBackup,
  BACKUP_FORMAT,
  type BackupInfo,
  type VerifyReport,
  type ProgressEvent,
} from './ops/backup.js';
