// Admin (the tenant's admins): tokens (who they are, which role, when used; create one, shown once;
// revoke behind a confirmation that names it), roles (built-in and custom; edit a custom role's
// policies or add one) and policies (their allow/deny rules; edit or add one as JSON, checked by
// the server).
import { useEffect, useState } from 'preact/hooks';
import { api, type Policy, type PolicyRule, type Role, type SessionInfo, type TokenRow } from '../api';
import { DataTable } from '../components/table';
import { Badge, Confirm, ErrorNote, StatusNote } from '../components/ui';
import { relative, when } from '../format';

const identity = (t: TokenRow) =>
  t.identity
    ? `${t.identity.method}${t.identity.role ? ` (${t.identity.role})` : ''}${t.identity.subject ? `: ${t.identity.subject}` : ''}${Object.entries(
        t.identity.metadata ?? {},
      )
        .filter(([k]) => k !== 'role')
        .map(([k, v]) => ` · ${k}=${v}`)
        .join('')}`
    : t.name.startsWith('sso:')
      ? `single sign-on: ${t.name.slice(4)}`
      : '—';
const TTLS = [
  { label: 'no expiry', s: 0 },
  { label: '1 hour', s: 3600 },
  { label: '1 day', s: 86400 },
  { label: '30 days', s: 30 * 86400 },
  { label: '90 days', s: 90 * 86400 },
  { label: '1 year', s: 365 * 86400 },
];

const Tokens = ({ session, roles }: { session: SessionInfo; roles: Role[] }) => {
  const [items, setItems] = useState<TokenRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [form, setForm] = useState({ name: '', role: 'read', kind: 'service', ttl: '0' });
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [revoking, setRevoking] = useState<TokenRow | null>(null);
  const [status, setStatus] = useState('');
  const [showRevoked, setShowRevoked] = useState(false);
  const load = () =>
    api.tokens().then(
      (r) => {
        setItems(r.items);
        setError(null);
      },
      (e) => {
        setError(e);
        setItems([]);
      },
    );
  useEffect(() => {
    void load();
  }, []);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setStatus('');
    setCopied(false);
    try {
      const t = await api.createToken({
        name: form.name.trim(),
        role: form.role,
        kind: form.kind,
        ttl_seconds: Number(form.ttl) || undefined,
      });
      setCreated({ name: t.name, token: t.token });
      setForm({ ...form, name: '' });
      await load();
    } catch (err) {
      setError(err);
    }
  };
  const shown = (items ?? []).filter((t) => showRevoked || !t.revoked_at);
  return (
    <section aria-labelledby="tokens-title">
      <h2 id="tokens-title">Tokens</h2>
      <form class="filters" aria-label="Create a token" onSubmit={create}>
        <label class="field grow">
          <span>Name</span>
          <input
            value={form.name}
            onInput={(e) => setForm({ ...form, name: (e.target as HTMLInputElement).value })}
            required
            maxLength={128}
            placeholder="ci-deploy"
          />
        </label>
        <label class="field">
          <span>Role</span>
          <select value={form.role} onChange={(e) => setForm({ ...form, role: (e.target as HTMLSelectElement).value })}>
            {roles.map((r) => (
              <option key={r.name}>{r.name}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Kind</span>
          <select value={form.kind} onChange={(e) => setForm({ ...form, kind: (e.target as HTMLSelectElement).value })}>
            <option>service</option>
            <option>personal</option>
          </select>
        </label>
        <label class="field">
          <span>Expires after</span>
          <select value={form.ttl} onChange={(e) => setForm({ ...form, ttl: (e.target as HTMLSelectElement).value })}>
            {TTLS.map((t) => (
              <option key={t.s} value={t.s}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            Create token
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      <StatusNote>{status}</StatusNote>
      {created ? (
        <div class="card new-token" role="status">
          <p>
            <strong>Token "{created.name}" created.</strong> It is shown this once: copy it now, Keyhaven keeps only its hash.
          </p>
          <pre class="value" data-testid="new-token">
            {created.token}
          </pre>
          <div class="actions">
            <button
              type="button"
              class="secondary"
              onClick={() => {
                void navigator.clipboard.writeText(created.token).then(() => setCopied(true));
              }}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" class="primary" onClick={() => setCreated(null)}>
              Done, hide it
            </button>
          </div>
        </div>
      ) : null}
      <label class="check">
        <input type="checkbox" checked={showRevoked} onChange={(e) => setShowRevoked((e.target as HTMLInputElement).checked)} /> Show
        revoked tokens
      </label>
      {items === null ? (
        <p role="status">Loading tokens…</p>
      ) : (
        <DataTable
          label="Tokens"
          columns={['Name', 'Identity', 'Role', 'Kind', 'Created', 'Last used', 'Expires', '']}
          items={shown}
          empty="No tokens."
          row={(t) => (
            <tr key={t.id} class={t.revoked_at ? 'row-muted' : ''}>
              <td>
                <strong>{t.name}</strong>
                <div class="muted">
                  <code>{t.id}</code>
                </div>
              </td>
              <td>{identity(t)}</td>
              <td>{t.role ?? '—'}</td>
              <td>{t.kind}</td>
              <td class="nowrap" title={when(t.created_at)}>
                {relative(t.created_at)}
              </td>
              <td class="nowrap" title={when(t.last_used_at)}>
                {relative(t.last_used_at)}
              </td>
              <td class="nowrap" title={when(t.expires_at)}>
                {t.expires_at ? relative(t.expires_at) : 'never'}
              </td>
              <td>
                {t.revoked_at ? (
                  <Badge kind="bad">revoked {relative(t.revoked_at)}</Badge>
                ) : (
                  <button type="button" class="secondary small" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>
                    Revoke…
                  </button>
                )}
              </td>
            </tr>
          )}
        />
      )}
      {revoking ? (
        <Confirm
          title={`Revoke token "${revoking.name}"?`}
          confirmLabel="Revoke"
          danger
          requireText={revoking.name}
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await api.revokeToken(revoking.id);
            setStatus(`Token "${revoking.name}" revoked.`);
            await load();
          }}
        >
          <p>
            Every client using <strong>{revoking.name}</strong> (<code>{revoking.id}</code>, role {revoking.role ?? '—'}) is refused from
            now on, and its console sessions end. This cannot be undone: a new token would have to be made and handed out.
          </p>
          {revoking.id === session.token.id ? (
            <p class="note error">This is the token of your own session: you will be signed out.</p>
          ) : null}
        </Confirm>
      ) : null}
    </section>
  );
};

const Roles = ({ roles, policies, reload }: { roles: Role[]; policies: Policy[]; reload: () => Promise<void> }) => {
  const [editing, setEditing] = useState<{ name: string; description: string; policies: string[]; isNew: boolean } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    if (!editing) return;
    setError(null);
    try {
      await api.putRole(editing.name.trim(), { description: editing.description || null, policies: editing.policies });
      setStatus(`Role "${editing.name.trim()}" saved.`);
      setEditing(null);
      await reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="roles-title">
      <div class="page-head">
        <h2 id="roles-title">Roles</h2>
        <button
          type="button"
          class="secondary small"
          onClick={() => {
            setStatus('');
            setEditing({ name: '', description: '', policies: [], isNew: true });
          }}
        >
          New role
        </button>
      </div>
      <StatusNote>{status}</StatusNote>
      <DataTable
        label="Roles"
        columns={['Role', 'Description', 'Policies', '']}
        items={roles}
        empty="No roles."
        row={(r) => (
          <tr key={r.name}>
            <td>
              <strong>{r.name}</strong> {r.builtin ? <Badge kind="none">built-in</Badge> : null}
            </td>
            <td>{r.description ?? '—'}</td>
            <td>
              {r.policies?.length
                ? r.policies.map((p) => (
                    <span key={p} class="tag">
                      {p}
                    </span>
                  ))
                : '—'}
            </td>
            <td>
              {r.builtin ? null : (
                <button
                  type="button"
                  class="secondary small"
                  aria-label={`Edit role ${r.name}`}
                  onClick={() => {
                    setStatus('');
                    setEditing({ name: r.name, description: r.description ?? '', policies: r.policies ?? [], isNew: false });
                  }}
                >
                  Edit
                </button>
              )}
            </td>
          </tr>
        )}
      />
      {editing ? (
        <form class="card" aria-label={editing.isNew ? 'New role' : `Edit role ${editing.name}`} onSubmit={save}>
          <h3>{editing.isNew ? 'New role' : `Edit role ${editing.name}`}</h3>
          {editing.isNew ? (
            <label class="field">
              <span>Role name</span>
              <input
                value={editing.name}
                required
                maxLength={63}
                onInput={(e) => setEditing({ ...editing, name: (e.target as HTMLInputElement).value })}
              />
            </label>
          ) : null}
          <label class="field">
            <span>Role description</span>
            <input
              value={editing.description}
              maxLength={1024}
              onInput={(e) => setEditing({ ...editing, description: (e.target as HTMLInputElement).value })}
            />
          </label>
          <fieldset class="field">
            <legend>Policies of the role</legend>
            {policies.length === 0 ? (
              <p class="muted">No policy yet: add one below first.</p>
            ) : (
              policies.map((p) => (
                <label key={p.name} class="check">
                  <input
                    type="checkbox"
                    checked={editing.policies.includes(p.name)}
                    onChange={(e) =>
                      setEditing({
                        ...editing,
                        policies: (e.target as HTMLInputElement).checked
                          ? [...editing.policies, p.name]
                          : editing.policies.filter((x) => x !== p.name),
                      })
                    }
                  />{' '}
                  {p.name}
                </label>
              ))
            )}
          </fieldset>
          <ErrorNote error={error} />
          <div class="actions">
            <button type="submit" class="primary">
              Save role
            </button>
            <button type="button" class="secondary" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
};

const EXAMPLE: PolicyRule[] = [{ effect: 'allow', actions: ['read', 'list'], paths: ['apps/billing/**'] }];

const Policies = ({ policies, reload }: { policies: Policy[]; reload: () => Promise<void> }) => {
  const [editing, setEditing] = useState<{ name: string; description: string; rules: string; isNew: boolean } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    if (!editing) return;
    setError(null);
    let rules: PolicyRule[];
    try {
      rules = JSON.parse(editing.rules) as PolicyRule[];
    } catch {
      setError(
        new Error('The rules are not valid JSON: give a list such as [{"effect": "allow", "actions": ["read"], "paths": ["apps/**"]}].'),
      );
      return;
    }
    if (!Array.isArray(rules)) {
      setError(new Error('The rules must be a JSON list of rules.'));
      return;
    }
    try {
      await api.putPolicy(editing.name.trim(), { description: editing.description || null, rules });
      setStatus(`Policy "${editing.name.trim()}" saved.`);
      setEditing(null);
      await reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="policies-title">
      <div class="page-head">
        <h2 id="policies-title">Policies</h2>
        <button
          type="button"
          class="secondary small"
          onClick={() => {
            setStatus('');
            setEditing({ name: '', description: '', rules: JSON.stringify(EXAMPLE, null, 2), isNew: true });
          }}
        >
          New policy
        </button>
      </div>
      <StatusNote>{status}</StatusNote>
      <DataTable
        label="Policies"
        columns={['Policy', 'Description', 'Rules', '']}
        items={policies}
        empty="No policies: tokens use the built-in roles."
        row={(p) => (
          <tr key={p.name}>
            <td>
              <strong>{p.name}</strong>
            </td>
            <td>{p.description ?? '—'}</td>
            <td>
              <ul class="rules">
                {p.rules.map((r, i) => (
                  <li key={i}>
                    <Badge kind={r.effect === 'deny' ? 'bad' : 'success'}>{r.effect}</Badge> {r.actions.join(', ')} on{' '}
                    <code>{(r.paths ?? ['**']).join(', ')}</code>
                    {r.environments?.length ? <> in {r.environments.join(', ')}</> : null}
                    {r.tags?.length ? <> tagged {r.tags.join(', ')}</> : null}
                  </li>
                ))}
              </ul>
            </td>
            <td>
              <button
                type="button"
                class="secondary small"
                aria-label={`Edit policy ${p.name}`}
                onClick={() => {
                  setStatus('');
                  setEditing({
                    name: p.name,
                    description: p.description ?? '',
                    rules: JSON.stringify(p.rules, null, 2),
                    isNew: false,
                  });
                }}
              >
                Edit
              </button>
            </td>
          </tr>
        )}
      />
      {editing ? (
        <form class="card" aria-label={editing.isNew ? 'New policy' : `Edit policy ${editing.name}`} onSubmit={save}>
          <h3>{editing.isNew ? 'New policy' : `Edit policy ${editing.name}`}</h3>
          {editing.isNew ? (
            <label class="field">
              <span>Policy name</span>
              <input
                value={editing.name}
                required
                maxLength={63}
                onInput={(e) => setEditing({ ...editing, name: (e.target as HTMLInputElement).value })}
              />
            </label>
          ) : null}
          <label class="field">
            <span>Policy description</span>
            <input
              value={editing.description}
              maxLength={1024}
              onInput={(e) => setEditing({ ...editing, description: (e.target as HTMLInputElement).value })}
            />
          </label>
          <label class="field">
            <span>Rules (JSON: effect allow/deny, actions read/list/write/rotate/delete/admin, paths, environments, tags; deny wins)</span>
            <textarea
              rows={8}
              value={editing.rules}
              spellcheck={false}
              onInput={(e) => setEditing({ ...editing, rules: (e.target as HTMLTextAreaElement).value })}
            />
          </label>
          <ErrorNote error={error} />
          <div class="actions">
            <button type="submit" class="primary">
              Save policy
            </button>
            <button type="button" class="secondary" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
};

export const AdminPage = ({ session }: { session: SessionInfo }) => {
  const [roles, setRoles] = useState<Role[] | null>(null);
  const [policies, setPolicies] = useState<Policy[]>([]);
  const [error, setError] = useState<unknown>(null);
  const reload = async () => {
    try {
      const [r, p] = await Promise.all([api.roles(), api.policies()]);
      setRoles(r.items);
      setPolicies(p.items);
      setError(null);
    } catch (e) {
      setError(e);
      setRoles((x) => x ?? []);
    }
  };
  useEffect(() => {
    void reload();
  }, []);
  return (
    <>
      <h1>Admin</h1>
      <ErrorNote error={error} />
      {roles === null ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <Tokens session={session} roles={roles} />
          <Roles roles={roles} policies={policies} reload={reload} />
          <Policies policies={policies} reload={reload} />
        </>
      )}
    </>
  );
};
