// Rotation: every schedule with its next run, last result and failures (overdue ones flagged), the
// run history with durations and errors, and "rotate now" behind a confirmation.
import { useEffect, useState } from 'preact/hooks';
import { api, type RotationRun, type Schedule } from '../api';
import { DataTable } from '../components/table';
import { Badge, Confirm, ErrorNote, StatusNote } from '../components/ui';
import { duration, relative, when } from '../format';
import { href } from '../router';
import { perDay, StackedBars } from '../components/chart';

const overdue = (s: Schedule, now: number) =>
  s.auto_rotation_enabled && Boolean(s.next_rotation_date) && new Date(s.next_rotation_date!).getTime() < now;
const FAILED = new Set(['failed', 'partial', 'rolled_back']);

/** Rotations and failures a day, from the history endpoint (its newest 1000 runs). */
const RotationCharts = ({ reload }: { reload: number }) => {
  const [days, setDays] = useState(30);
  const [runs, setRuns] = useState<RotationRun[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.history({ limit: 1000 }).then((h) => {
      setRuns(h.items);
      setError(null);
    }, setError);
  }, [reload]);
  const finished = (runs ?? []).filter((r) => r.rotation_status !== 'in_progress');
  const data = perDay(
    finished,
    days,
    (r) => r.rotation_date,
    (r) => FAILED.has(r.rotation_status),
  );
  const byMethod = (m: string) =>
    perDay(
      finished.filter((r) => r.rotation_method === m),
      days,
      (r) => r.rotation_date,
      (r) => FAILED.has(r.rotation_status),
    );
  return (
    <section aria-labelledby="charts-title">
      <div class="page-head">
        <h2 id="charts-title">Over time</h2>
        <label class="field inline">
          <span>Period</span>
          <select value={days} onChange={(e) => setDays(Number((e.target as HTMLSelectElement).value))}>
            {[7, 30, 90].map((d) => (
              <option key={d} value={d}>
                last {d} days
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={error} />
      {runs === null ? (
        <p role="status">Loading charts…</p>
      ) : (
        <div class="grid-2">
          <div class="card">
            <StackedBars id="chart-all" title="All rotations" data={data} />
          </div>
          <div class="card">
            <StackedBars id="chart-emergency" title="Emergency rotations" data={byMethod('emergency')} />
          </div>
        </div>
      )}
    </section>
  );
};

const statusKind = (st: string | null) =>
  st === 'success' ? 'success' : st === 'failed' || st === 'partial' ? 'bad' : st ? 'warn' : 'none';

export const RotationPage = () => {
  const [schedules, setSchedules] = useState<Schedule[] | null>(null);
  const [runs, setRuns] = useState<RotationRun[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [target, setTarget] = useState<{ s: Schedule; op: 'rotate' | 'rollback' } | null>(null);
  const [reason, setReason] = useState('');
  const [status, setStatus] = useState('');
  const [historyFor, setHistoryFor] = useState('');
  const [reload, setReload] = useState(0);
  const now = Date.now();

  const load = async () => {
    try {
      const [s, h] = await Promise.all([api.schedules(), api.history({ limit: 50, secret_name: historyFor || undefined })]);
      setSchedules(s.items);
      setRuns(h.items);
      setError(null);
      setReload((n) => n + 1);
    } catch (e) {
      setError(e);
      setSchedules((x) => x ?? []);
      setRuns((x) => x ?? []);
    }
  };
  useEffect(() => {
    void load();
  }, [historyFor]);

  const late = (schedules ?? []).filter((s) => overdue(s, now)).length;
  const failing = (schedules ?? []).filter((s) => s.failure_count > 0 || s.last_status === 'failed').length;

  return (
    <>
      <div class="page-head">
        <h1>Rotation</h1>
        <a class="button danger-link" href={href('/rotation/emergency')}>
          Emergency rotation…
        </a>
      </div>
      <ErrorNote error={error} />
      <StatusNote>{status}</StatusNote>
      {schedules === null ? (
        <p role="status">Loading schedules…</p>
      ) : (
        <>
          <ul class="stats" aria-label="Summary">
            <li>
              <strong>{schedules.length}</strong> schedules
            </li>
            <li class={late ? 'stat-bad' : ''}>
              <strong>{late}</strong> overdue
            </li>
            <li class={failing ? 'stat-bad' : ''}>
              <strong>{failing}</strong> failing
            </li>
          </ul>
          <section aria-labelledby="sched-title">
            <h2 id="sched-title">Schedules</h2>
            <DataTable
              label="Rotation schedules"
              columns={['Secret', 'Rotator', 'Every', 'Next run', 'Last run', 'Last result', '']}
              items={schedules}
              empty="No secret is registered for rotation."
              row={(s) => {
                const late = overdue(s, now);
                return (
                  <tr key={s.secret_name} class={late ? 'row-bad' : ''}>
                    <td>
                      <a href={href(`/secret/${s.secret_name}`)}>{s.secret_name}</a> <Badge kind={s.criticality}>{s.criticality}</Badge>
                    </td>
                    <td>{s.rotator}</td>
                    <td>
                      {s.cron ? <code>{s.cron}</code> : s.rotation_interval_days ? `${s.rotation_interval_days} d` : '—'}
                      {s.auto_rotation_enabled ? '' : ' (manual only)'}
                    </td>
                    <td class="nowrap" title={when(s.next_rotation_date)}>
                      {late ? <Badge kind="bad">overdue</Badge> : null} {relative(s.next_rotation_date, now)}
                    </td>
                    <td class="nowrap" title={when(s.last_rotation_date)}>
                      {relative(s.last_rotation_date, now)}
                    </td>
                    <td>
                      <Badge kind={statusKind(s.last_status)}>{s.last_status ?? 'never run'}</Badge>
                      {s.failure_count ? (
                        <span class="warn-text">
                          {' '}
                          {s.failure_count} failure{s.failure_count === 1 ? '' : 's'}
                        </span>
                      ) : null}
                    </td>
                    <td>
                      <div class="actions">
                        <button
                          type="button"
                          class="secondary small"
                          onClick={() => {
                            setReason('');
                            setTarget({ s, op: 'rotate' });
                          }}
                          aria-label={`Rotate now: ${s.secret_name}`}
                        >
                          Rotate now
                        </button>
                        {s.last_rotation_date ? (
                          <button
                            type="button"
                            class="secondary small"
                            onClick={() => {
                              setReason('');
                              setTarget({ s, op: 'rollback' });
                            }}
                            aria-label={`Roll back: ${s.secret_name}`}
                          >
                            Roll back
                          </button>
                        ) : null}
                      </div>
                    </td>
                  </tr>
                );
              }}
            />
          </section>
        </>
      )}

      <RotationCharts reload={reload} />

      <section aria-labelledby="hist-title">
        <h2 id="hist-title">History</h2>
        <label class="field inline">
          <span>Secret</span>
          <select value={historyFor} onChange={(e) => setHistoryFor((e.target as HTMLSelectElement).value)}>
            <option value="">all secrets</option>
            {(schedules ?? []).map((s) => (
              <option key={s.secret_name}>{s.secret_name}</option>
            ))}
          </select>
        </label>
        {runs === null ? (
          <p role="status">Loading history…</p>
        ) : (
          <DataTable
            label="Rotation history"
            columns={['Started', 'Secret', 'Method', 'Result', 'Versions', 'Duration', 'By / reason', 'Error']}
            items={runs}
            empty="No rotation has run yet."
            row={(r) => (
              <tr key={r.id} class={r.rotation_status === 'failed' ? 'row-bad' : ''}>
                <td class="nowrap">{when(r.rotation_date)}</td>
                <td>{r.secret_name}</td>
                <td>{r.rotation_method}</td>
                <td>
                  <Badge kind={statusKind(r.rotation_status)}>{r.rotation_status}</Badge>
                </td>
                <td>
                  {r.previous_version ? `v${r.previous_version}` : '—'} → {r.new_version ? `v${r.new_version}` : '—'}
                </td>
                <td>{duration(r.duration_seconds)}</td>
                <td>
                  {r.actor ?? '—'}
                  {r.reason ? `: ${r.reason}` : ''}
                </td>
                <td>
                  {r.error_code ? (
                    <>
                      <code>{r.error_code}</code> {r.error_message}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            )}
          />
        )}
      </section>

      {target?.op === 'rotate' ? (
        <Confirm
          title={`Rotate ${target.s.secret_name} now?`}
          confirmLabel="Rotate now"
          onClose={() => setTarget(null)}
          onConfirm={async () => {
            const r = await api.rotate(target.s.secret_name, reason);
            setStatus(
              `${r.secret_name}: rotation ${r.status}${r.new_version ? `, now at version ${r.new_version}` : ''} (${r.duration_ms} ms).`,
            );
            await load();
          }}
        >
          <p>
            A new value is generated with the <strong>{target.s.rotator}</strong> rotator and becomes <strong>current</strong>; the present
            value becomes <strong>previous</strong>. Clients that cache the old value must fetch the new one.
          </p>
          <label class="field">
            <span>Reason (kept in the history)</span>
            <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} maxLength={500} />
          </label>
        </Confirm>
      ) : target?.op === 'rollback' ? (
        <Confirm
          title={`Roll back ${target.s.secret_name}?`}
          confirmLabel="Roll back"
          danger
          onClose={() => setTarget(null)}
          onConfirm={async () => {
            const r = await api.rollback(target.s.secret_name, reason);
            setStatus(
              `${r.secret_name}: rolled back${r.restored_from_version ? ` to the value of version ${r.restored_from_version}` : ''}${r.new_version ? `, now version ${r.new_version}` : ''}.`,
            );
            await load();
          }}
        >
          <p>
            The <strong>previous</strong> value becomes current again, on the target too (<strong>{target.s.rotator}</strong>). The value
            rotated in last is no longer current: clients that already use it must fetch again.
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
