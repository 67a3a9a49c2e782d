// A small stacked bar chart in plain SVG (no chart library: a few hundred bytes gzip): one bar a
// day, succeeded below, failed on top. It is drawn at its box's width (text keeps its size), is described by a summary
// for screen readers, and the same numbers are available as a table under "Show as table".
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { TableWrap } from './ui';

export interface DayCount {
  day: string;
  ok: number;
  failed: number;
}

const H = 180;
const PAD = { left: 34, right: 8, top: 10, bottom: 24 };

const niceMax = (n: number) => {
  if (n <= 4) return Math.max(1, n);
  const step = 10 ** Math.floor(Math.log10(n));
  return Math.ceil(n / step) * step;
};

export const StackedBars = ({ id, title, data }: { id: string; title: string; data: DayCount[] }) => {
  const box = useRef<HTMLDivElement>(null);
  const [W, setW] = useState(640);
  useLayoutEffect(() => {
    const el = box.current!;
    const measure = () => setW(Math.max(240, Math.round(el.clientWidth)));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const max = niceMax(Math.max(0, ...data.map((d) => d.ok + d.failed)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, data.length);
  const bar = Math.min(28, Math.max(2, slot * 0.7));
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const totalOk = data.reduce((a, d) => a + d.ok, 0);
  const totalFailed = data.reduce((a, d) => a + d.failed, 0);
  const labelEvery = Math.ceil(data.length / 6);
  const summary = `${title}: ${totalOk} succeeded and ${totalFailed} failed over ${data.length} days${data.length ? ` (${data[0]!.day} to ${data[data.length - 1]!.day})` : ''}.`;
  return (
    <figure class="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>
        <strong>{title}</strong>{' '}
        <span class="muted">
          {totalOk} succeeded, {totalFailed} failed
        </span>
      </figcaption>
      <div ref={box} class="chart-box">
        <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
          {[0, max / 2, max].map((v) => (
            <g key={v}>
              <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} class="grid" />
              <text x={PAD.left - 6} y={y(v) + 4} text-anchor="end" class="axis">
                {Number.isInteger(v) ? v : v.toFixed(1)}
              </text>
            </g>
          ))}
          {data.map((d, i) => {
            const x = PAD.left + i * slot + (slot - bar) / 2;
            return (
              <g key={d.day} data-day={d.day}>
                <title>{`${d.day}: ${d.ok} succeeded, ${d.failed} failed`}</title>
                {d.ok ? <rect x={x} width={bar} y={y(d.ok)} height={y(0) - y(d.ok)} class="ok" /> : null}
                {d.failed ? <rect x={x} width={bar} y={y(d.ok + d.failed)} height={y(d.ok) - y(d.ok + d.failed)} class="failed" /> : null}
                {i % labelEvery === 0 || i === data.length - 1 ? (
                  <text x={x + bar / 2} y={H - 6} text-anchor="middle" class="axis">
                    {d.day.slice(5)}
                  </text>
                ) : null}
              </g>
            );
          })}
        </svg>
      </div>
      <p class="legend" aria-hidden="true">
        <span class="key ok" /> succeeded <span class="key failed" /> failed
      </p>
      <details>
        <summary>Show as table</summary>
        <TableWrap label={`${title} by day`}>
          <table>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Succeeded</th>
                <th scope="col">Failed</th>
              </tr>
            </thead>
            <tbody>
              {data
                .filter((d) => d.ok || d.failed)
                .map((d) => (
                  <tr key={d.day}>
                    <td>{d.day}</td>
                    <td>{d.ok}</td>
                    <td>{d.failed}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </TableWrap>
      </details>
    </figure>
  );
};

/** Counts runs per UTC day over the last `days` days (today included); a day with none is 0. */
export const perDay = <T,>(items: T[], days: number, at: (t: T) => string, failed: (t: T) => boolean, now = Date.now()): DayCount[] => {
  const out: DayCount[] = [];
  const index = new Map<string, DayCount>();
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  for (let i = days - 1; i >= 0; i--) {
    const d: DayCount = { day: new Date(today - i * 86400_000).toISOString().slice(0, 10), ok: 0, failed: 0 };
    out.push(d);
    index.set(d.day, d);
  }
  for (const t of items) {
    const d = index.get(at(t).slice(0, 10));
    if (!d) continue;
    if (failed(t)) d.failed++;
    else d.ok++;
  }
  return out;
};
