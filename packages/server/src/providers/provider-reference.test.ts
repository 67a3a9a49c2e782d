// Tests for the provider reference parser: every kind's shape and its error cases.
import { describe, expect, it } from 'vitest';
import { parseReference } from './provider-reference.js';

describe('parseReference', () => {
  it.each([
    ['aws-sm://prod/db#password', { kind: 'aws-sm', name: 'prod/db', field: 'password' }],
    ['aws-sm://plain', { kind: 'aws-sm', name: 'plain' }],
    ['gcp-sm://my-proj/api-key#3', { kind: 'gcp-sm', project: 'my-proj', name: 'api-key', version: '3' }],
    ['gcp-sm://my-proj/api-key', { kind: 'gcp-sm', project: 'my-proj', name: 'api-key' }],
    ['azure-kv://myvault/db-pass', { kind: 'azure-kv', vault: 'myvault', name: 'db-pass' }],
    ['vault://secret/app/db#user', { kind: 'vault', mount: 'secret', path: 'app/db', key: 'user' }],
    ['k8s://default/db-creds#password', { kind: 'k8s', namespace: 'default', name: 'db-creds', key: 'password' }],
    ['dotenv://./config/.env#API_KEY', { kind: 'dotenv', path: './config/.env', key: 'API_KEY' }],
    ['dotenv:///etc/app.env#X', { kind: 'dotenv', path: '/etc/app.env', key: 'X' }],
    ['env://DATABASE_URL', { kind: 'env', name: 'DATABASE_URL' }],
    ['aws-sm://a%23b#f%20g', { kind: 'aws-sm', name: 'a#b', field: 'f g' }],
  ])('parses %s', (ref, expected) => {
    expect(parseReference(ref)).toEqual(expected);
  });

  it.each([
    ['no-scheme', /must start with/],
    ['ftp://x', /unknown kind "ftp"/],
    ['aws-sm://', /location is empty/],
    ['aws-sm://x#', /after "#" is empty/],
    ['gcp-sm://only-project', /needs both a project and a secret name/],
    ['gcp-sm://p/a/b', /no "\/"/],
    ['vault://secret', /needs both a mount and a path/],
    ['k8s://ns/', /needs both a namespace and a name/],
    ['dotenv://.env', /needs #KEY/],
    ['env://X#y', /no "#" part/],
    ['aws-sm://%zz', /invalid %-escape/],
  ])('rejects %s', (ref, msg) => {
    expect(() => parseReference(ref)).toThrow(msg);
    try {
      parseReference(ref);
    } catch (e) {
      expect((e as { code: string }).code).toBe('PROVIDER_REFERENCE_INVALID');
    }
  });
});
