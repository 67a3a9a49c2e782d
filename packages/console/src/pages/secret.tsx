// One secret: metadata, labels (current / pending / previous), versions, recent access; the value
// only after an explicit click (the server audits that read), hidden again after 30 seconds; a new
// version; soft delete, restore and destroy, each confirmed with what it costs.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type AuditEvent, type SecretDetail } from '../api';
import { DataTable } from '../components/table';
import { Badge, Confirm, ErrorNote, StatusNote } from '../components/ui';
import { relative, when } from '../format';
import { href, navigate } from '../router';

export const REVEAL_SECONDS = 30;

const Reveal = ({ name, version }: { name: string; version: number }) => {
  const [value, setValue] = useState<string | null>(null);
  const [left, setLeft] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const timer = useRef<number | undefined>(undefined);
  const hide = () => {
    window.clearInterval(timer.current);
    setValue(null);
    setLeft(0);
  };
  useEffect(() => hide, []);
  const reveal = async () => {
    setError(null);
    setNote('');
    try {
      const v = await api.reveal(name, version);
      setValue(typeof v.value === 'string' ? v.value : JSON.stringify(v.value, null, 2));
      setLeft(REVEAL_SECONDS);
      window.clearInterval(timer.current);
      const until = Date.now() + REVEAL_SECONDS * 1000;
      timer.current = window.setInterval(() => {
        const s = Math.ceil((until - Date.now()) / 1000);
        if (s <= 0) hide();
        else setLeft(s);
      }, 500);
    } catch (e) {
      setError(e);
    }
  };
  const copy = async () => {
    if (value === null) return;
    try {
      await navigator.clipboard.writeText(value);
      setNote('Copied to the clipboard.');
    } catch {
      setNote('The browser did not allow copying; select the value instead.');
    }
  };
  return (
    <section class="reveal" aria-labelledby="value-title">
      <h2 id="value-title">Value of version {version}</h2>
      {value === null ? (
        <>
          <p class="muted">Hidden. Revealing reads the value: the read is recorded in the audit log.</p>
          <button type="button" class="primary" onClick={reveal}>
            Reveal value
          </button>
        </>
      ) : (
        <>
          <pre class="value" data-testid="secret-value">
            {value}
          </pre>
          <p class="muted" aria-live="polite">
            Hidden again in {left} s.
          </p>
          <div class="actions">
            <button type="button" class="secondary" onClick={copy}>
              Copy
            </button>
            <button type="button" class="secondary" onClick={hide}>
              Hide
            </button>
          </div>
        </>
      )}
      <StatusNote>{note}</StatusNote>
      <ErrorNote error={error} />
    </section>
  );
};

type Pending = 'delete' | 'restore' | 'destroy' | { version: number } | null;

const CRITICALITIES = ['low', 'medium', 'high', 'critical'];
const toLocal = (iso: string | null) => (iso ? new Date(iso).toISOString().slice(0, 16) : '');

/** The metadata a person edits here; the type and custom metadata stay as they are. */
const EditMetadata = ({ s, onSaved, onCancel }: { s: SecretDetail; onSaved: (msg: string) => Promise<void>; onCancel: () => void }) => {
  const [f, setF] = useState({
    description: s.description ?? '',
    service: s.service ?? '',
    environment: s.environment ?? '',
    owner: s.owner ?? '',
    criticality: s.criticality,
    tags: s.tags.join(', '),
    expires: toLocal(s.expires_at),
  });
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const orNull = (v: string) => (v.trim() ? v.trim() : null);
    try {
      await api.updateMetadata(s.name, {
        description: orNull(f.description),
        service: orNull(f.service),
        environment: orNull(f.environment),
        owner: orNull(f.owner),
        criticality: f.criticality,
        tags: f.tags.split(/[\s,]+/).filter(Boolean),
        expires_at: f.expires ? new Date(`${f.expires}Z`).toISOString() : null,
      });
      await onSaved('Metadata saved.');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={save} aria-label="Edit metadata">
      <label class="field">
        <span>Description</span>
        <input value={f.description} onInput={set('description')} maxLength={1024} />
      </label>
      <label class="field">
        <span>Service</span>
        <input value={f.service} onInput={set('service')} maxLength={128} />
      </label>
      <label class="field">
        <span>Environment</span>
        <input value={f.environment} onInput={set('environment')} maxLength={64} />
      </label>
      <label class="field">
        <span>Owner</span>
        <input value={f.owner} onInput={set('owner')} maxLength={256} />
      </label>
      <label class="field">
        <span>Criticality</span>
        <select value={f.criticality} onChange={set('criticality')}>
          {CRITICALITIES.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>Tags (comma separated)</span>
        <input value={f.tags} onInput={set('tags')} />
      </label>
      <label class="field">
        <span>Expires (UTC)</span>
        <input type="datetime-local" value={f.expires} onInput={set('expires')} />
      </label>
      <ErrorNote error={error} />
      <div class="actions">
        <button type="submit" class="primary">
          Save metadata
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
};

export const SecretPage = ({ name }: { name: string }) => {
  const [s, setS] = useState<SecretDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [status, setStatus] = useState('');
  const [newValue, setNewValue] = useState('');
  const [writeError, setWriteError] = useState<unknown>(null);
  const [access, setAccess] = useState<AuditEvent[] | null>(null);
  const [accessError, setAccessError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);

  const load = async () => {
    try {
      setS(await api.describe(name));
      setError(null);
    } catch (e) {
      setError(e);
    }
    api.audit({ resource: name, limit: 30 }).then(
      (r) => setAccess(r.items.filter((a) => a.outcome !== 'attempt').slice(0, 10)),
      (e) => setAccessError(e),
    );
  };
  useEffect(() => {
    void load();
  }, [name]);

  if (error && !s)
    return (
      <>
        <h1>{name}</h1>
        <ErrorNote error={error} />
        <p>
          <a href={href('/secrets')}>Back to secrets</a>
        </p>
      </>
    );
  if (!s) return <p role="status">Loading {name}…</p>;

  const live = s.versions.filter((v) => v.state !== 'destroyed');
  const write = async (e: Event) => {
    e.preventDefault();
    setWriteError(null);
    try {
      const r = await api.writeVersion(name, newValue);
      setNewValue('');
      setStatus(`Version ${r.version} written; it is now current.`);
      await load();
    } catch (err) {
      setWriteError(err);
    }
  };
  const current = s.labels.current ?? s.latest_version;

  return (
    <>
      <p class="crumb-back">
        <a href={href(`/secrets?prefix=${encodeURIComponent(name.includes('/') ? name.slice(0, name.lastIndexOf('/') + 1) : '')}`)}>
          ← Secrets
        </a>
      </p>
      <h1 class="secret-name">
        {s.name} {s.deleted_at ? <Badge kind="bad">deleted</Badge> : null}
      </h1>
      <StatusNote>{status}</StatusNote>
      <div class="grid-2">
        <section aria-labelledby="meta-title" class="card">
          <h2 id="meta-title">Metadata</h2>
          {editing ? (
            <EditMetadata
              s={s}
              onCancel={() => setEditing(false)}
              onSaved={async (m) => {
                setEditing(false);
                setStatus(m);
                await load();
              }}
            />
          ) : (
            <>
              <dl class="meta">
                <dt>Type</dt>
                <dd>{s.type}</dd>
                <dt>Description</dt>
                <dd>{s.description ?? '—'}</dd>
                <dt>Service</dt>
                <dd>{s.service ?? '—'}</dd>
                <dt>Environment</dt>
                <dd>{s.environment ?? '—'}</dd>
                <dt>Criticality</dt>
                <dd>
                  <Badge kind={s.criticality}>{s.criticality}</Badge>
                </dd>
                <dt>Owner</dt>
                <dd>{s.owner ?? '—'}</dd>
                <dt>Tags</dt>
                <dd>
                  {s.tags.length
                    ? s.tags.map((t) => (
                        <span key={t} class="tag">
                          {t}
                        </span>
                      ))
                    : '—'}
                </dd>
                <dt>Expires</dt>
                <dd>{s.expires_at ? `${when(s.expires_at)} (${relative(s.expires_at)})` : 'never'}</dd>
                <dt>Labels</dt>
                <dd>
                  {(['current', 'pending', 'previous'] as const).map((l) =>
                    s.labels[l] ? (
                      <span key={l} class="tag">
                        {l}: v{s.labels[l]}
                      </span>
                    ) : null,
                  )}
                </dd>
                <dt>Created</dt>
                <dd>{when(s.created_at)}</dd>
                <dt>Updated</dt>
                <dd>{when(s.updated_at)}</dd>
              </dl>
              {!s.deleted_at ? (
                <p>
                  <button type="button" class="secondary" onClick={() => setEditing(true)}>
                    Edit metadata
                  </button>
                </p>
              ) : null}
            </>
          )}
        </section>
        {s.deleted_at ? (
          <section class="card" aria-labelledby="deleted-title">
            <h2 id="deleted-title">Deleted {relative(s.deleted_at)}</h2>
            <p>Values cannot be read while the secret is deleted. Restore it, or destroy it for good.</p>
            <div class="actions">
              <button type="button" class="primary" onClick={() => setPending('restore')}>
                Restore…
              </button>
              <button type="button" class="danger" onClick={() => setPending('destroy')}>
                Destroy…
              </button>
            </div>
          </section>
        ) : (
          <div class="card">
            <Reveal key={current} name={s.name} version={current} />
          </div>
        )}
      </div>

      <section aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        <DataTable
          label="Versions"
          columns={['Version', 'State', 'Labels', 'Kind', 'Size', 'Created', 'By', '']}
          items={s.versions}
          empty="No versions."
          row={(v) => (
            <tr key={v.version}>
              <td>v{v.version}</td>
              <td>{v.state === 'destroyed' ? <Badge kind="bad">destroyed</Badge> : v.state}</td>
              <td>
                {v.labels.map((l) => (
                  <span key={l} class="tag">
                    {l}
                  </span>
                ))}
              </td>
              <td>{v.value_kind}</td>
              <td class="nowrap">{v.size_bytes} B</td>
              <td class="nowrap" title={when(v.created_at)}>
                {relative(v.created_at)}
              </td>
              <td>{v.created_by ?? '—'}</td>
              <td>
                {!s.deleted_at && v.state !== 'destroyed' && v.labels.length === 0 ? (
                  <button
                    type="button"
                    class="secondary small"
                    onClick={() => setPending({ version: v.version })}
                    aria-label={`Destroy… version ${v.version}`}
                  >
                    Destroy…
                  </button>
                ) : null}
              </td>
            </tr>
          )}
        />
      </section>

      {!s.deleted_at ? (
        <div class="grid-2">
          <section aria-labelledby="write-title" class="card">
            <h2 id="write-title">Write a new version</h2>
            <form onSubmit={write}>
              <label class="field">
                <span>New value (becomes current)</span>
                <textarea
                  value={newValue}
                  onInput={(e) => setNewValue((e.target as HTMLTextAreaElement).value)}
                  rows={3}
                  autocomplete="off"
                  spellcheck={false}
                  required
                />
              </label>
              <ErrorNote error={writeError} />
              <button type="submit" class="primary" disabled={!newValue}>
                Write version {s.latest_version + 1}
              </button>
            </form>
          </section>
          <section aria-labelledby="danger-title" class="card">
            <h2 id="danger-title">Delete</h2>
            <p class="muted">A deleted secret can be restored until it is destroyed.</p>
            <button type="button" class="danger" onClick={() => setPending('delete')}>
              Delete secret…
            </button>
          </section>
        </div>
      ) : null}

      <section aria-labelledby="access-title">
        <h2 id="access-title">Recent access</h2>
        {accessError ? (
          <ErrorNote error={accessError} />
        ) : access === null ? (
          <p role="status">Loading…</p>
        ) : (
          <DataTable
            label="Recent access"
            columns={['Time', 'Actor', 'Action', 'Outcome', 'Version']}
            items={access}
            empty="No access recorded."
            row={(a) => (
              <tr key={a.seq}>
                <td class="nowrap">{when(a.time)}</td>
                <td>{a.actor_name ?? a.actor_kind}</td>
                <td>{a.action}</td>
                <td>
                  <Badge kind={a.outcome}>{a.outcome}</Badge>
                </td>
                <td>{a.version ?? '—'}</td>
              </tr>
            )}
          />
        )}
        <p class="actions">
          <a href={href(`/access/${s.name}`)}>Access history of this secret</a>{' '}
          <a href={href(`/audit?resource=${encodeURIComponent(s.name)}`)}>Audit log of this secret</a>
        </p>
      </section>

      {pending === 'delete' ? (
        <Confirm
          title={`Delete ${s.name}?`}
          confirmLabel="Delete"
          danger
          onClose={() => setPending(null)}
          onConfirm={async () => {
            await api.remove(s.name);
            setStatus(`${s.name} deleted; restore it from this page.`);
            await load();
          }}
        >
          <p>
            Clients reading <strong>{s.name}</strong> get "deleted" (410) from now on. Its {live.length} version
            {live.length === 1 ? '' : 's'} stay stored and come back on restore.
          </p>
        </Confirm>
      ) : pending === 'restore' ? (
        <Confirm
          title={`Restore ${s.name}?`}
          confirmLabel="Restore"
          onClose={() => setPending(null)}
          onConfirm={async () => {
            await api.restore(s.name);
            setStatus(`${s.name} restored.`);
            await load();
          }}
        >
          <p>
            Clients can read <strong>{s.name}</strong> again, at version {current}.
          </p>
        </Confirm>
      ) : pending === 'destroy' ? (
        <Confirm
          title={`Destroy ${s.name} for good?`}
          confirmLabel="Destroy"
          danger
          requireText={s.name}
          onClose={() => setPending(null)}
          onConfirm={async () => {
            await api.destroy(s.name);
            navigate('/secrets');
          }}
        >
          <p>
            This crypto-shreds{' '}
            <strong>
              all {live.length} remaining version{live.length === 1 ? '' : 's'}
            </strong>{' '}
            ({live.map((v) => `v${v.version}`).join(', ') || 'none'}) of <strong>{s.name}</strong>. No one, not even an administrator with
            the master key, can read them again, and it cannot be undone.
          </p>
        </Confirm>
      ) : pending && typeof pending === 'object' ? (
        <Confirm
          title={`Destroy version ${pending.version} of ${s.name}?`}
          confirmLabel={`Destroy version ${pending.version}`}
          danger
          onClose={() => setPending(null)}
          onConfirm={async () => {
            await api.destroy(s.name, [pending.version]);
            setStatus(`Version ${pending.version} destroyed.`);
            await load();
          }}
        >
          <p>
            The value of <strong>version {pending.version}</strong> of <strong>{s.name}</strong> is crypto-shredded: no one can read it
            again, and it cannot be undone. The other versions stay.
          </p>
        </Confirm>
      ) : null}
    </>
  );
};
