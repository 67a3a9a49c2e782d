// Table columns and field lists for secrets, versions and descriptions: what people see for
// `secrets list`, `describe` and `history` (machine formats print the API objects unchanged).
import type { SecretDescription, SecretSummary, VersionInfo } from '@keyhaven/sdk';
import { shortDate, type Column } from '../output.js';

export const listColumns: Column<SecretSummary>[] = [
  { header: 'NAME', value: (s) => (s.deleted_at ? `${s.name} (deleted)` : s.name) },
  { header: 'TYPE', value: (s) => s.type },
  { header: 'VERSION', value: (s) => s.labels.current ?? s.latest_version },
  { header: 'ENV', value: (s) => s.environment },
  { header: 'SERVICE', value: (s) => s.service },
  { header: 'CRITICALITY', value: (s) => s.criticality },
  { header: 'TAGS', value: (s) => s.tags.join(',') },
  { header: 'UPDATED', value: (s) => shortDate(s.updated_at) },
];

export const versionColumns: Column<VersionInfo>[] = [
  { header: 'VERSION', value: (v) => v.version },
  { header: 'STATE', value: (v) => v.state },
  { header: 'LABELS', value: (v) => v.labels.join(',') },
  { header: 'SIZE', value: (v) => (v.state === 'destroyed' ? '' : `${v.size_bytes}B`) },
  { header: 'CREATED', value: (v) => shortDate(v.created_at) },
  { header: 'CREATED BY', value: (v) => v.created_by },
];

export const describeFields = (d: SecretDescription): Array<[string, unknown]> => [
  ['Name', d.deleted_at ? `${d.name} (deleted ${shortDate(d.deleted_at)})` : d.name],
  ['Type', d.type],
  ['Description', d.description],
  ['Tags', d.tags.join(', ')],
  ['Service', d.service],
  ['Environment', d.environment],
  ['Criticality', d.criticality],
  ['Owner', d.owner],
  ['Expires', shortDate(d.expires_at)],
  [
    'Labels',
    Object.entries(d.labels)
      .map(([l, v]) => `${l}=v${v}`)
      .join(' '),
  ],
  ['Latest version', d.latest_version],
  ['Max versions', d.max_versions],
  [
    'Metadata',
    Object.entries(d.metadata)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  ],
  ['Created', shortDate(d.created_at)],
  ['Updated', shortDate(d.updated_at)],
];
