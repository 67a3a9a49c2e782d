// The access history of one secret (GET /v1/audit/access/<name>): who read or changed it, when,
// from where and with what result, newest first, filtered by action, outcome and time, 50 a page.
// Reads of an old version are marked: after an emergency rotation those are worth a look.
import { useEffect, useState } from 'preact/hooks';
import { api, type AuditEvent } from '../api';
import { DataTable, Pager } from '../components/table';
import { Badge, ErrorNote, Outcome } from '../components/ui';
import { when } from '../format';
import { href } from '../router';

const PAGE = 50;
const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);

export const AccessPage = ({ name }: { name: string }) => {
  const [form, setForm] = useState({ action: '', outcome: '', since: '' });
  const [applied, setApplied] = useState(form);
  const [pages, setPages] = useState<Array<number | undefined>>([undefined]);
  const [items, setItems] = useState<AuditEvent[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [current, setCurrent] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const before = pages[pages.length - 1];

  useEffect(() => {
    api.describe(name).then(
      (d) => setCurrent(d.labels.current ?? null),
      () => setCurrent(null),
    );
  }, [name]);
  useEffect(() => {
    setError(null);
    api.access(name, { action: applied.action, outcome: applied.outcome, since: iso(applied.since), limit: PAGE, before }).then(
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
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const readers = new Set(
    (items ?? [])
      .filter((a) => a.action === 'secret.read' && a.outcome === 'success')
      .map((a) => a.actor_name ?? a.actor_id ?? a.actor_kind),
  );

  return (
    <>
      <p class="crumb-back">
        <a href={href(`/secret/${name}`)}>← {name}</a>
      </p>
      <h1>Access history: {name}</h1>
      <form
        class="filters"
        role="search"
        aria-label="Filter access history"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(form);
          setPages([undefined]);
        }}
      >
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
          <span>Since</span>
          <input type="datetime-local" value={form.since} onInput={set('since')} />
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            Apply
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      {items === null ? (
        <p role="status">Loading access history…</p>
      ) : (
        <>
          <p class="muted">
            {items.length} event{items.length === 1 ? '' : 's'} on this page; {readers.size} distinct reader{readers.size === 1 ? '' : 's'}
            {readers.size ? `: ${[...readers].join(', ')}` : ''}.
          </p>
          <DataTable
            label="Access history"
            columns={['Time', 'Actor', 'Action', 'Version', 'Outcome', 'Source']}
            items={items}
            empty="No access recorded."
            row={(a) => {
              const old = a.action === 'secret.read' && a.version != null && current != null && a.version < current;
              return (
                <tr key={a.seq} class={a.outcome === 'denied' || a.outcome === 'error' ? 'row-bad' : ''}>
                  <td class="nowrap">{when(a.time)}</td>
                  <td>{a.actor_name ?? a.actor_kind}</td>
                  <td>
                    <code>{a.action}</code>
                  </td>
                  <td>
                    {a.version != null ? `v${a.version}` : '—'}
                    {old ? (
                      <>
                        {' '}
                        <Badge kind="warn">old version</Badge>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <Outcome outcome={a.outcome} errorCode={a.error_code} />
                  </td>
                  <td>{a.source_ip ?? '—'}</td>
                </tr>
              );
            }}
          />
          <Pager
            label="Access history pages"
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
