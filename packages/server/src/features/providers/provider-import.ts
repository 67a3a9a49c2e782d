// Import (migration): pulls secrets from a configured provider into Keyhaven. A dry run reports what
// would be created, updated, left unchanged or skipped, and writes nothing; values never appear in the report.
import { fail, isKeyhavenError } from '../../lib/errors.js';
import { secretNameProblem } from '../../lib/secret-name.js';
import type { Scope, SecretService } from '../secrets/secret-service.js';
import type { ProviderConfigService } from './provider-config-service.js';

export interface ImportOptions {
  prefix?: string;
  dry_run: boolean;
  overwrite: boolean;
  target_prefix?: string;
  limit: number;
}
export interface ImportReport {
  provider_id: string;
  dry_run: boolean;
  created: string[];
  updated: string[];
  unchanged: string[];
  skipped: Array<{ remote_name: string; name?: string; reason: string }>;
  counts: { created: number; updated: number; unchanged: number; skipped: number };
}

const asString = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export const createProviderImporter = (deps: { providers: ProviderConfigService; secrets: Pick<SecretService, 'read' | 'write'> }) => ({
  async run(scope: Scope, id: string, o: ImportOptions): Promise<ImportReport> {
    const provider = await deps.providers.instance(scope, id);
    const names = (await provider.list(o.prefix)).sort();
    if (names.length > o.limit)
      throw fail(
        'VALIDATION_FAILED',
        `The provider lists ${names.length} secrets, more than the limit of ${o.limit}; narrow it with prefix or raise limit.`,
        [{ path: 'limit', message: 'too many secrets' }],
      );
    const report: ImportReport = {
      provider_id: id,
      dry_run: o.dry_run,
      created: [],
      updated: [],
      unchanged: [],
      skipped: [],
      counts: { created: 0, updated: 0, unchanged: 0, skipped: 0 },
    };
    for (const remoteName of names) {
      const name = `${o.target_prefix ?? ''}${remoteName}`;
      const problem = secretNameProblem(name);
      if (problem) {
        report.skipped.push({ remote_name: remoteName, reason: `not a valid Keyhaven name: ${problem}` });
        continue;
      }
      let value: string;
      try {
        value = (await provider.read(remoteName)).value;
      } catch (e) {
        report.skipped.push({
          remote_name: remoteName,
          name,
          reason: isKeyhavenError(e) ? `${e.code}: ${e.message}` : 'the store returned an unexpected error',
        });
        continue;
      }
      let local: unknown;
      let exists = true;
      try {
        local = (await deps.secrets.read(scope, name)).value;
      } catch (e) {
        if (!isKeyhavenError(e) || !['SECRET_NOT_FOUND', 'VERSION_NOT_FOUND'].includes(e.code)) {
          report.skipped.push({
            remote_name: remoteName,
            name,
            reason: isKeyhavenError(e) ? `${e.code}: ${e.message}` : 'unexpected error',
          });
          continue;
        }
        exists = false;
      }
      if (exists && asString(local) === value) {
        report.unchanged.push(name);
        continue;
      }
      if (exists && !o.overwrite) {
        report.skipped.push({
          remote_name: remoteName,
          name,
          reason: 'exists in Keyhaven with another value; pass overwrite to replace it',
        });
        continue;
      }
      if (!o.dry_run) {
        await deps.secrets.write(
          scope,
          name,
          value,
          exists ? {} : { create: true, cas: 0, metadata: { description: `Imported from provider ${id} (${remoteName})` } },
        );
      }
      (exists ? report.updated : report.created).push(name);
    }
    report.counts = {
      created: report.created.length,
      updated: report.updated.length,
      unchanged: report.unchanged.length,
      skipped: report.skipped.length,
    };
    return report;
  },
});

export type ProviderImporter = ReturnType<typeof createProviderImporter>;
