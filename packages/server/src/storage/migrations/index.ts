// The ordered list of migrations. A feature that needs tables adds a file here and one line below;
// tenant-owned tables also get row-level security on PostgreSQL (enableRowLevelSecurity).
import type { Migration } from 'kysely';
import type { Dialect } from './dialect.js';
import { m001 } from './001-core.js';
import { m002 } from './002-audit-and-policies.js';
import { m003 } from './003-rotation.js';
import { m004 } from './004-providers.js';
import { m005 } from './005-live-versions-index.js';
import { m006 } from './006-live-versions-covering.js';
import { m007 } from './007-audit-seals.js';
import { m008 } from './008-machine-auth.js';
import { m009 } from './009-notifications.js';
import { m010 } from './010-job-state.js';
import { m011 } from './011-audit-chains.js';
import { m012 } from './012-job-settings.js';
import { m013 } from './013-console-sessions.js';
import { m014 } from './014-change-feed-listeners.js';
import { m015 } from './015-change-log.js';

export const migrationList = (dialect: Dialect): Record<string, Migration> => ({
  '001_core': m001(dialect),
  '002_audit_and_policies': m002(dialect),
  '003_rotation': m003(dialect),
  '004_providers': m004(dialect),
  '005_live_versions_index': m005(dialect),
  '006_live_versions_covering': m006(dialect),
  '007_audit_seals': m007(dialect),
  '008_machine_auth': m008(dialect),
  '009_notifications': m009(dialect),
  '010_job_state': m010(dialect),
  '011_audit_chains': m011(dialect),
  '012_job_settings': m012(dialect),
  '013_console_sessions': m013(dialect),
  '014_change_feed_listeners': m014(dialect),
  '015_change_log': m015(dialect),
});
