// Emergency rotation of a selection (tag, type, criticality, prefix, service): the dry run comes
// first and lists exactly the secrets that would rotate (registered ones only; the unregistered
// ones that match are counted and left out), then a confirmation that names the count, then each
// secret's result. The confirmed call sends the selector the dry run showed, not the form's
// current state, so what rotates is what was listed.
import { useState } from 'preact/hooks';
import { api, type EmergencyDryRun, type EmergencyResult, type Selector } from '../api';
import { DataTable } from '../components/table';
import { Badge, Confirm, ErrorNote } from '../components/ui';
import { href } from '../router';
import { CRITICALITIES, SECRET_TYPES } from './secrets';

const FIELDS = ['tag', 'type', 'criticality', 'prefix', 'service'] as const;
type Form = Record<(typeof FIELDS)[number], string>;
const empty: Form = { tag: '', type: '', criticality: '', prefix: '', service: '' };
const selectorOf = (f: Form): Selector => Object.fromEntries(FIELDS.filter((k) => f[k].trim()).map((k) => [k, f[k].trim()]));
export const describeSelector = (s: Selector) =>
  Object.entries(s)
    .map(([k, v]) => `${k} ${k === 'prefix' ? `"${v}"` : v}`)
    .join(', ');
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export const EmergencyPage = () => {
  const [form, setForm] = useState<Form>(empty);
  const [preview, setPreview] = useState<{ selector: Selector; result: EmergencyDryRun } | null>(null);
  const [result, setResult] = useState<EmergencyResult | null>(null);
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const selector = selectorOf(form);
  const empty_ = Object.keys(selector).length === 0;

  const set = (k: keyof Form) => (e: Event) => {
    setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
    setPreview(null);
  };
  const dryRun = async (e: Event) => {
    e.preventDefault();
    if (empty_) {
      setError(new Error('Give at least one of tag, type, criticality, prefix or service.'));
      return;
    }
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setPreview({ selector, result: await api.emergencyDryRun(selector) });
    } catch (err) {
      setError(err);
      setPreview(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p class="crumb-back">
        <a href={href('/rotation')}>← Rotation</a>
      </p>
      <h1>Emergency rotation</h1>
      <p class="muted">
        For a leak or an incident: every selected secret gets a new value at once and its old credentials are revoked on the target. Only
        secrets registered for rotation are taken.
      </p>
      <form class="filters" aria-label="Select secrets to rotate" onSubmit={dryRun}>
        <label class="field">
          <span>Tag</span>
          <input value={form.tag} onInput={set('tag')} />
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
          <span>Criticality</span>
          <select value={form.criticality} onChange={set('criticality')}>
            <option value="">any</option>
            {CRITICALITIES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Name prefix</span>
          <input value={form.prefix} onInput={set('prefix')} placeholder="payments/" />
        </label>
        <label class="field">
          <span>Service</span>
          <input value={form.service} onInput={set('service')} />
        </label>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Checking…' : 'Show what would rotate'}
          </button>
        </div>
      </form>
      <ErrorNote error={error} />

      {preview ? (
        <section class="card" aria-labelledby="dry-title">
          <h2 id="dry-title">Dry run: {plural(preview.result.count, 'secret')} would rotate</h2>
          <p class="muted">
            Selection: {describeSelector(preview.selector)}.
            {preview.result.unregistered_left_out ? (
              <>
                {' '}
                <strong>{plural(preview.result.unregistered_left_out, 'unregistered secret')}</strong> also match
                {preview.result.unregistered_left_out === 1 ? 'es' : ''} and {preview.result.unregistered_left_out === 1 ? 'is' : 'are'}{' '}
                left out (not registered for rotation).
              </>
            ) : null}
          </p>
          {preview.result.count === 0 ? (
            <p>Nothing to rotate: no registered secret matches.</p>
          ) : (
            <>
              <DataTable
                label="Secrets that would rotate"
                columns={['Secret', 'Rotator']}
                items={preview.result.items}
                empty="Nothing would rotate."
                row={(i) => (
                  <tr key={i.name}>
                    <td>
                      <a href={href(`/secret/${i.name}`)}>{i.name}</a>
                    </td>
                    <td>{i.rotator ?? '—'}</td>
                  </tr>
                )}
              />
              <button
                type="button"
                class="danger"
                onClick={() => {
                  setReason('');
                  setConfirming(true);
                }}
              >
                Emergency-rotate {plural(preview.result.count, 'secret')}…
              </button>
            </>
          )}
        </section>
      ) : null}

      {result ? (
        <section class="card" aria-labelledby="res-title">
          <h2 id="res-title">Result</h2>
          <p role="status" class={`note ${result.failed ? 'error' : 'ok'}`}>
            {result.succeeded} of {plural(result.count, 'secret')} rotated{result.failed ? `, ${result.failed} failed` : ''}.
          </p>
          <DataTable
            label="Emergency rotation results"
            columns={['Secret', 'Result', 'New version', 'Error']}
            items={result.results}
            empty="No results."
            row={(r) => (
              <tr key={r.secret_name} class={r.status === 'success' ? '' : 'row-bad'}>
                <td>
                  <a href={href(`/secret/${r.secret_name}`)}>{r.secret_name}</a>
                </td>
                <td>
                  <Badge kind={r.status === 'success' ? 'success' : 'bad'}>{r.status}</Badge>
                </td>
                <td>{'new_version' in r && r.new_version ? `v${r.new_version}` : '—'}</td>
                <td>
                  {'error' in r ? (
                    <>
                      <code>{r.error.code}</code> {r.error.message}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            )}
          />
        </section>
      ) : null}

      {confirming && preview ? (
        <Confirm
          title={`Emergency-rotate ${plural(preview.result.count, 'secret')}?`}
          confirmLabel={`Rotate ${plural(preview.result.count, 'secret')}`}
          danger
          requireText={String(preview.result.count)}
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            const r = await api.emergencyRotate(preview.selector, reason);
            setResult(r);
            setPreview(null);
          }}
        >
          <p>
            <strong>{plural(preview.result.count, 'secret')}</strong> ({describeSelector(preview.selector)}) get a new value now, and their
            old credentials are revoked on their targets: every client still using an old value fails until it fetches the new one.
          </p>
          <label class="field">
            <span>Reason (kept in the history)</span>
            <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} maxLength={500} />
          </label>
        </Confirm>
      ) : null}
    </>
  );
};
