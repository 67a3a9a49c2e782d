// Providers and sync: the tenant's provider configurations (never their credentials) with a
// connection test each, the sync destinations, and every destination/secret pair's sync status with
// its last error (errors first); "Run sync now" retries pending and failed pairs at once.
import { useEffect, useState } from 'preact/hooks';
import { api, type Provider, type ProviderTest, type SyncDestination, type SyncState } from '../api';
import { DataTable } from '../components/table';
import { Badge, ErrorNote, StatusNote } from '../components/ui';
import { relative, when } from '../format';
import { href } from '../router';

const ORDER = { error: 0, pending: 1, ok: 2 } as const;
const testError = (t: ProviderTest) =>
  typeof t.error === 'string' ? t.error : t.error ? `${t.error.message ?? ''}${t.error.code ? ` (${t.error.code})` : ''}` : 'failed';

export const ProvidersPage = () => {
  const [providers, setProviders] = useState<Provider[] | null>(null);
  const [destinations, setDestinations] = useState<SyncDestination[]>([]);
  const [states, setStates] = useState<SyncState[] | null>(null);
  const [summary, setSummary] = useState<Record<'ok' | 'pending' | 'error', number> | null>(null);
  const [onlyErrors, setOnlyErrors] = useState(false);
  const [tests, setTests] = useState<Record<string, ProviderTest | 'testing'>>({});
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [running, setRunning] = useState(false);

  const load = async () => {
    try {
      const [p, d, s] = await Promise.all([
        api.providers(),
        api.syncDestinations(),
        api.syncStatus({ status: onlyErrors ? 'error' : undefined, limit: 500 }),
      ]);
      setProviders(p.items);
      setDestinations(d.items);
      setStates([...s.items].sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.secret_name.localeCompare(b.secret_name)));
      setSummary(s.summary);
      setError(null);
    } catch (e) {
      setError(e);
      setProviders((x) => x ?? []);
      setStates((x) => x ?? []);
    }
  };
  useEffect(() => {
    void load();
  }, [onlyErrors]);

  const test = async (id: string) => {
    setTests((t) => ({ ...t, [id]: 'testing' }));
    try {
      const r = await api.testProvider(id);
      setTests((t) => ({ ...t, [id]: r }));
    } catch (e) {
      setTests((t) => ({ ...t, [id]: { ok: false, error: { message: e instanceof Error ? e.message : String(e) } } }));
    }
  };
  const runSync = async () => {
    setRunning(true);
    setStatus('');
    try {
      await api.syncRun();
      setStatus('Sync ran: pending and failed pairs were retried.');
      await load();
    } catch (e) {
      setError(e);
    } finally {
      setRunning(false);
    }
  };
  const errorsOf = (id: string) =>
    (states ?? []).filter((s) => s.status === 'error' && destinations.find((d) => d.id === s.destination_id)?.provider_id === id).length;

  return (
    <>
      <h1>Providers and sync</h1>
      <ErrorNote error={error} />
      <StatusNote>{status}</StatusNote>
      <section aria-labelledby="prov-title">
        <h2 id="prov-title">Providers</h2>
        {providers === null ? (
          <p role="status">Loading providers…</p>
        ) : (
          <DataTable
            label="Providers"
            columns={['Name', 'Kind', 'Credential', 'Sync errors', 'Connection']}
            items={providers}
            empty="No provider is configured in this tenant."
            row={(p) => {
              const t = tests[p.id];
              const errs = errorsOf(p.id);
              return (
                <tr key={p.id} class={errs || (t && t !== 'testing' && !t.ok) ? 'row-bad' : ''}>
                  <td>
                    <strong>{p.id}</strong>
                    <div class="muted">updated {relative(p.updated_at)}</div>
                  </td>
                  <td>
                    {p.display_name} <code>{p.kind}</code>
                  </td>
                  <td>{p.credential.stored ? 'stored in Keyhaven' : 'none'}</td>
                  <td>{errs ? <Badge kind="bad">{errs} failing</Badge> : '—'}</td>
                  <td>
                    <button
                      type="button"
                      class="secondary small"
                      onClick={() => void test(p.id)}
                      disabled={t === 'testing'}
                      aria-label={`Test connection: ${p.id}`}
                    >
                      {t === 'testing' ? 'Testing…' : 'Test connection'}
                    </button>
                    {t && t !== 'testing' ? (
                      <div role="status" class={t.ok ? 'ok-text' : 'warn-text'}>
                        {t.ok ? 'Connected' : `Failed: ${testError(t)}`}
                      </div>
                    ) : null}
                  </td>
                </tr>
              );
            }}
          />
        )}
      </section>

      <section aria-labelledby="sync-title">
        <div class="page-head">
          <h2 id="sync-title">Sync</h2>
          <button type="button" class="primary" onClick={() => void runSync()} disabled={running}>
            {running ? 'Running…' : 'Run sync now'}
          </button>
        </div>
        {summary ? (
          <ul class="stats" aria-label="Sync summary">
            <li>
              <strong>{summary.ok}</strong> in sync
            </li>
            <li>
              <strong>{summary.pending}</strong> pending
            </li>
            <li class={summary.error ? 'stat-bad' : ''}>
              <strong>{summary.error}</strong> failing
            </li>
          </ul>
        ) : null}
        <h3>Destinations</h3>
        <DataTable
          label="Sync destinations"
          columns={['Destination', 'What', 'Provider', 'Remote', 'Created']}
          items={destinations}
          empty="No sync destination."
          row={(d) => (
            <tr key={d.id}>
              <td>{d.id}</td>
              <td>
                {d.secret_name ? (
                  <a href={href(`/secret/${d.secret_name}`)}>{d.secret_name}</a>
                ) : (
                  <>
                    everything under <code>{d.prefix || '/'}</code>
                  </>
                )}
              </td>
              <td>{d.provider_id}</td>
              <td>
                <code>{d.template}</code>
              </td>
              <td class="nowrap">{when(d.created_at)}</td>
            </tr>
          )}
        />
        <div class="page-head">
          <h3>Status per secret</h3>
          <label class="check">
            <input type="checkbox" checked={onlyErrors} onChange={(e) => setOnlyErrors((e.target as HTMLInputElement).checked)} /> Only
            failing
          </label>
        </div>
        {states === null ? (
          <p role="status">Loading sync status…</p>
        ) : (
          <DataTable
            label="Sync status"
            columns={['Secret', 'Destination', 'Status', 'Synced', 'Attempts', 'Last error', 'Updated']}
            items={states}
            empty="Nothing to show."
            row={(s) => (
              <tr key={`${s.destination_id}:${s.secret_name}`} class={s.status === 'error' ? 'row-bad' : ''}>
                <td>
                  <a href={href(`/secret/${s.secret_name}`)}>{s.secret_name}</a>
                </td>
                <td>
                  {s.destination_id}
                  {s.remote_name ? (
                    <>
                      {' '}
                      → <code>{s.remote_name}</code>
                    </>
                  ) : null}
                </td>
                <td>
                  <Badge kind={s.status === 'ok' ? 'success' : s.status === 'error' ? 'bad' : 'warn'}>{s.status}</Badge>
                </td>
                <td>{s.synced_version != null ? `v${s.synced_version}` : '—'}</td>
                <td>{s.attempts}</td>
                <td>
                  {s.last_error ?? '—'}
                  {s.status === 'error' && s.next_attempt_at ? <div class="muted">next try {relative(s.next_attempt_at)}</div> : null}
                </td>
                <td class="nowrap">{relative(s.updated_at)}</td>
              </tr>
            )}
          />
        )}
      </section>
    </>
  );
};
