// Secrets: a tree by path (the folders under the current prefix) and a list with search and
// filters (type, tag, service, environment, criticality, expiring soon, deleted). Filters live in
// the URL, so a filtered view can be reloaded or shared. Metadata only: no value is ever fetched here.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type SecretMeta } from '../api';
import { DataTable } from '../components/table';
import { Badge, ErrorNote } from '../components/ui';
import { EXPIRING_DAYS, expiringSoon, relative, when } from '../format';
import { href, navigate } from '../router';

export const SECRET_TYPES = [
  'api_key',
  'token',
  'password',
  'database_credentials',
  'ssh_key',
  'tls_certificate',
  'oauth_token',
  'jwt_secret',
  'encryption_key',
  'webhook_secret',
  'service_account_key',
  'generic',
];
export const CRITICALITIES = ['low', 'medium', 'high', 'critical'];
const FIELDS = ['prefix', 'q', 'type', 'tag', 'service', 'environment', 'criticality', 'expiring', 'deleted'] as const;
type Filters = Record<(typeof FIELDS)[number], string>;

const folderOf = (name: string, prefix: string) => {
  const rest = name.slice(prefix.length);
  const i = rest.indexOf('/');
  return i >= 0 ? prefix + rest.slice(0, i + 1) : null;
};

export const SecretsPage = ({ query }: { query: URLSearchParams }) => {
  const initial = Object.fromEntries(FIELDS.map((f) => [f, query.get(f) ?? ''])) as Filters;
  const [form, setForm] = useState<Filters>(initial);
  const [items, setItems] = useState<SecretMeta[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const f = initial;

  const load = async (after?: string) => {
    setError(null);
    try {
      const page = await api.secrets({
        prefix: f.prefix,
        type: f.type,
        tag: f.tag,
        service: f.service,
        environment: f.environment,
        criticality: f.criticality,
        include_deleted: f.deleted === 'yes' ? 'true' : undefined,
        limit: 200,
        cursor: after,
      });
      setItems((prev) => (after && prev ? [...prev, ...page.items] : page.items));
      setCursor(page.next_cursor);
    } catch (e) {
      setError(e);
      setItems((prev) => prev ?? []);
    }
  };
  useEffect(() => {
    void load();
  }, [query.toString()]);

  const apply = (next: Filters) => {
    const p = new URLSearchParams();
    for (const k of FIELDS) if (next[k]) p.set(k, next[k]);
    navigate(`/secrets${p.toString() ? `?${p}` : ''}`, { replace: true });
  };
  const set = (k: keyof Filters) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });

  const shown = useMemo(
    () =>
      (items ?? []).filter((s) => {
        if (f.deleted !== 'yes' && s.deleted_at) return false;
        if (f.expiring === 'yes' && !expiringSoon(s.expires_at)) return false;
        const q = f.q.toLowerCase();
        return (
          !q ||
          s.name.toLowerCase().includes(q) ||
          (s.description ?? '').toLowerCase().includes(q) ||
          s.tags.some((t) => t.toLowerCase().includes(q))
        );
      }),
    [items, f.q, f.expiring, f.deleted],
  );
  const folders = useMemo(() => {
    const m = new Map<string, number>();
    for (const s of shown) {
      const d = folderOf(s.name, f.prefix);
      if (d) m.set(d, (m.get(d) ?? 0) + 1);
    }
    return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [shown, f.prefix]);
  const here = shown.filter((s) => !folderOf(s.name, f.prefix));
  const crumbs = f.prefix.split('/').filter(Boolean);
  const withPrefix = (prefix: string) => {
    const n = { ...f, prefix };
    setForm(n);
    apply(n);
  };

  return (
    <>
      <h1>Secrets</h1>
      <form
        class="filters"
        role="search"
        aria-label="Filter secrets"
        onSubmit={(e) => {
          e.preventDefault();
          apply(form);
        }}
      >
        <label class="field grow">
          <span>Search</span>
          <input type="search" value={form.q} onInput={set('q')} placeholder="name, description or tag" />
        </label>
        <label class="field">
          <span>Type</span>
          <select value={form.type} onChange={set('type')}>
            <option value="">any</option>
            {SECRET_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Tag</span>
          <input value={form.tag} onInput={set('tag')} />
        </label>
        <label class="field">
          <span>Service</span>
          <input value={form.service} onInput={set('service')} />
        </label>
        <label class="field">
          <span>Environment</span>
          <input value={form.environment} onInput={set('environment')} />
        </label>
        <label class="field">
          <span>Criticality</span>
          <select value={form.criticality} onChange={set('criticality')}>
            <option value="">any</option>
            {CRITICALITIES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={form.expiring === 'yes'}
            onChange={(e) => setForm({ ...form, expiring: (e.target as HTMLInputElement).checked ? 'yes' : '' })}
          />{' '}
          Expiring within {EXPIRING_DAYS} days
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={form.deleted === 'yes'}
            onChange={(e) => setForm({ ...form, deleted: (e.target as HTMLInputElement).checked ? 'yes' : '' })}
          />{' '}
          Show deleted
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            Apply
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              const n = Object.fromEntries(FIELDS.map((k) => [k, ''])) as Filters;
              setForm(n);
              apply(n);
            }}
          >
            Clear
          </button>
        </div>
      </form>

      <nav aria-label="Path" class="crumbs">
        <ol>
          <li>
            <button type="button" class="link" onClick={() => withPrefix('')} aria-current={crumbs.length === 0 ? 'location' : undefined}>
              All secrets
            </button>
          </li>
          {crumbs.map((c, i) => (
            <li key={i}>
              <button
                type="button"
                class="link"
                onClick={() => withPrefix(crumbs.slice(0, i + 1).join('/') + '/')}
                aria-current={i === crumbs.length - 1 ? 'location' : undefined}
              >
                {c}
              </button>
            </li>
          ))}
        </ol>
      </nav>
      <ErrorNote error={error} />
      {items === null ? (
        <p role="status">Loading secrets…</p>
      ) : (
        <div class="browse">
          {folders.length ? (
            <ul class="folders" aria-label="Folders">
              {folders.map(([d, n]) => (
                <li key={d}>
                  <button type="button" class="folder" onClick={() => withPrefix(d)}>
                    <span aria-hidden="true" class="muted">
                      ▸{' '}
                    </span>
                    {d.slice(f.prefix.length)} <span class="muted">{n}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          <DataTable
            label="Secrets list"
            caption={<>Secrets under {f.prefix || 'the tenant root'}</>}
            columns={['Name', 'Type', 'Service / env', 'Criticality', 'Versions', 'Expires', 'Updated']}
            items={here}
            empty={folders.length ? 'Only folders here.' : 'No secrets match.'}
            row={(s) => (
              <tr key={s.id}>
                <td>
                  <a href={href(`/secret/${s.name}`)}>{s.name}</a>
                  {s.deleted_at ? (
                    <>
                      {' '}
                      <Badge kind="bad">deleted</Badge>
                    </>
                  ) : null}
                  {s.tags.length ? (
                    <div class="tags">
                      {s.tags.map((t) => (
                        <span key={t} class="tag">
                          {t}
                        </span>
                      ))}
                    </div>
                  ) : null}
                </td>
                <td>{s.type}</td>
                <td>
                  {s.service ?? '—'} / {s.environment ?? '—'}
                </td>
                <td>
                  <Badge kind={s.criticality}>{s.criticality}</Badge>
                </td>
                <td>{s.latest_version}</td>
                <td>
                  {s.expires_at ? (
                    <span class={expiringSoon(s.expires_at) ? 'warn-text' : ''} title={when(s.expires_at)}>
                      {relative(s.expires_at)}
                    </span>
                  ) : (
                    '—'
                  )}
                </td>
                <td title={when(s.updated_at)}>{relative(s.updated_at)}</td>
              </tr>
            )}
          />
          {cursor ? (
            <button type="button" class="secondary" onClick={() => load(cursor)}>
              Load more
            </button>
          ) : null}
        </div>
      )}
    </>
  );
};
