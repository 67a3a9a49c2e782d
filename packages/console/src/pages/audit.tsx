// Audit: the tenant's log, newest first, filtered by actor, action, outcome, resource and time,
// a page at a time (older / newer); and, for root tokens, "verify chain" with its result.
import { useEffect, useState } from 'preact/hooks';
import { api, type Anomaly, type AuditEvent, type SessionInfo, type VerifyResult } from '../api';
import { DataTable, Pager } from '../components/table';
import { Badge, ErrorNote, Outcome } from '../components/ui';
import { when } from '../format';
import { href, navigate } from '../router';

const FIELDS = ['actor', 'action', 'outcome', 'resource', 'since', 'until'] as const;
type Filters = Record<(typeof FIELDS)[number], string>;
const PAGE = 50;
const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);

const KIND_LABEL: Record<string, string> = {
  repeated_failures: 'Repeated failures',
  unusual_volume: 'Unusual volume',
  new_source_ip: 'New source IP',
  stale_read_after_emergency_rotation: 'Old version read after emergency rotation',
};

/** The anomaly signals the server derives from the access log (GET /v1/audit/anomalies). */
const Anomalies = () => {
  const [items, setItems] = useState<Anomaly[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    setError(null);
    api.anomalies().then(
      (r) => setItems(r.items),
      (e) => {
        setError(e);
        setItems([]);
      },
    );
  };
  useEffect(load, []);
  return (
    <section aria-labelledby="anomaly-title">
      <div class="page-head">
        <h2 id="anomaly-title">Anomaly signals</h2>
        <button type="button" class="secondary small" onClick={load}>
          Refresh signals
        </button>
      </div>
      <ErrorNote error={error} />
      {items === null ? (
        <p role="status">Loading signals…</p>
      ) : (
        <DataTable
          label="Anomaly signals"
          columns={['Signal', 'What', 'Count', 'First seen', 'Last seen', 'Source']}
          items={items}
          empty="No anomaly signals."
          row={(a) => (
            <tr key={a.key} class="row-warn">
              <td>
                <Badge kind="warn">{KIND_LABEL[a.kind] ?? a.kind}</Badge>
              </td>
              <td>
                {a.summary}
                {a.resource ? (
                  <>
                    {' '}
                    · <a href={href(`/access/${a.resource}`)}>access history</a>
                  </>
                ) : null}
              </td>
              <td>{a.count}</td>
              <td class="nowrap">{when(a.first_seen)}</td>
              <td class="nowrap">{when(a.last_seen)}</td>
              <td>{a.source_ip ?? '—'}</td>
            </tr>
          )}
        />
      )}
    </section>
  );
};

export const AuditPage = ({ session }: { session: SessionInfo }) => {
  const q = new URLSearchParams(location.search);
  const initial = Object.fromEntries(FIELDS.map((f) => [f, q.get(f) ?? ''])) as Filters;
  const [form, setForm] = useState(initial);
  const [applied, setApplied] = useState(initial);
  const [pages, setPages] = useState<Array<number | undefined>>([undefined]);
  const [items, setItems] = useState<AuditEvent[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [verify, setVerify] = useState<VerifyResult | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const [verifying, setVerifying] = useState(false);
  const before = pages[pages.length - 1];

  useEffect(() => {
    setError(null);
    api.audit({ ...applied, since: iso(applied.since), until: iso(applied.until), limit: PAGE, before }).then(
      (r) => {
        setItems(r.items);
        setNext(r.next_before);
      },
      (e) => {
        setError(e);
        setItems([]);
      },
    );
  }, [applied, before]);

  const set = (k: keyof Filters) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const apply = (f: Filters) => {
    const p = new URLSearchParams();
    for (const k of FIELDS) if (f[k]) p.set(k, f[k]);
    history.replaceState(null, '', `${location.pathname}${p.toString() ? `?${p}` : ''}`);
    setApplied(f);
    setPages([undefined]);
  };
  const runVerify = async () => {
    setVerifying(true);
    setVerify(null);
    setVerifyError(null);
    try {
      setVerify(await api.verify());
    } catch (e) {
      setVerifyError(e);
    } finally {
      setVerifying(false);
    }
  };

  return (
    <>
      <h1>Audit log</h1>
      <section class="card verify" aria-labelledby="verify-title">
        <h2 id="verify-title">Chain integrity</h2>
        {session.token.is_root ? (
          <>
            <p class="muted">Checks every entry's hash link, the signed head and the anchor kept outside the database.</p>
            <button type="button" class="primary" onClick={runVerify} disabled={verifying}>
              {verifying ? 'Verifying…' : 'Verify chain'}
            </button>
          </>
        ) : (
          <p class="muted">Verifying the chain needs a root token (it covers every tenant).</p>
        )}
        <ErrorNote error={verifyError} />
        {verify ? (
          <div role="status" class={`note ${verify.ok ? 'ok' : 'error'}`} data-testid="verify-result">
            {verify.ok
              ? `Chain intact: ${verify.checked} entries checked in ${verify.chains?.length ?? 1} chain(s) (one per tenant), anchor ${verify.anchor?.status ?? 'n/a'}.`
              : `Chain damaged: ${verify.problems.length}${verify.more_problems ? '+' : ''} problem(s) in ${verify.checked} entries.`}
            {!verify.ok ? (
              <ul>
                {verify.problems.slice(0, 20).map((p, i) => (
                  <li key={i}>{typeof p === 'string' ? p : `${p.seq != null ? `#${p.seq} ` : ''}${p.kind ?? ''} ${p.reason ?? ''}`}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </section>

      <Anomalies />

      <h2>Events</h2>
      <form
        class="filters"
        role="search"
        aria-label="Filter audit events"
        onSubmit={(e) => {
          e.preventDefault();
          apply(form);
        }}
      >
        <label class="field">
          <span>Actor</span>
          <input value={form.actor} onInput={set('actor')} placeholder="token id or name" />
        </label>
        <label class="field">
          <span>Action</span>
          <input value={form.action} onInput={set('action')} placeholder="secret.read" />
        </label>
        <label class="field">
          <span>Outcome</span>
          <select value={form.outcome} onChange={set('outcome')}>
            <option value="">any</option>
            {['success', 'denied', 'error', 'attempt'].map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Resource</span>
          <input value={form.resource} onInput={set('resource')} placeholder="secret name" />
        </label>
        <label class="field">
          <span>Since</span>
          <input type="datetime-local" value={form.since} onInput={set('since')} />
        </label>
        <label class="field">
          <span>Until</span>
          <input type="datetime-local" value={form.until} onInput={set('until')} />
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
      <ErrorNote error={error} />
      {items === null ? (
        <p role="status">Loading events…</p>
      ) : (
        <>
          <DataTable
            label="Audit events"
            columns={['#', 'Time', 'Actor', 'Action', 'Resource', 'Outcome', 'Source']}
            items={items}
            empty="No events match."
            row={(a) => (
              <tr key={a.seq} class={a.outcome === 'denied' || a.outcome === 'error' ? 'row-bad' : ''}>
                <td>{a.seq}</td>
                <td class="nowrap">{when(a.time)}</td>
                <td>{a.actor_name ?? a.actor_kind}</td>
                <td>
                  <code>{a.action}</code>
                </td>
                <td>
                  {a.resource && /^(secret|rotation)\./.test(a.action) ? (
                    <a
                      href={`/ui/secret/${a.resource}`}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`/secret/${a.resource}`);
                      }}
                    >
                      {a.resource}
                    </a>
                  ) : (
                    (a.resource ?? '—')
                  )}
                  {a.version ? ` v${a.version}` : ''}
                </td>
                <td>
                  <Outcome outcome={a.outcome} errorCode={a.error_code} />
                </td>
                <td>{a.source_ip ?? '—'}</td>
              </tr>
            )}
          />
          <Pager
            label="Audit pages"
            page={pages.length}
            canOlder={Boolean(next) && items.length >= PAGE}
            onNewer={() => setPages(pages.slice(0, -1))}
            onOlder={() => setPages([...pages, next!])}
          />
        </>
      )}
    </>
  );
};
