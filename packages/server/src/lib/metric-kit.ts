// Cheap metric families for hot paths: counters and histograms kept in plain maps keyed by their
// label values and rendered by prom-client only when /metrics is scraped (prom-client hashes the
// label set on every observation). Label values must come from bounded sets (catalogue codes, kinds,
// types); a family refuses new label sets past `maxSeries` so a bug can never grow it without end.
import type { Metric, Registry } from 'prom-client';

type Values = Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>;

const MAX_SERIES = 2_000;

const register = (
  registry: Registry,
  name: string,
  help: string,
  type: 'counter' | 'gauge' | 'histogram',
  values: () => Values | Promise<Values>,
) => {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    async get() {
      return { name, help, type, values: await values(), aggregator: 'sum' };
    },
    reset() {
      /* totals are kept for the life of the process */
    },
  };
  registry.registerMetric(metric as unknown as Metric);
};

const labelsOf = (names: readonly string[], values: readonly string[]) => {
  const out: Record<string, string> = {};
  names.forEach((n, i) => {
    out[n] = values[i] ?? '';
  });
  return out;
};

/** A counter family: `inc(['success', 'manual'])` adds one to that label set. */
export const counterFamily = (registry: Registry, name: string, help: string, labelNames: readonly string[]) => {
  const series = new Map<string, { values: string[]; n: number }>();
  register(registry, name, help, 'counter', () =>
    [...series.values()].map((s) => ({ labels: labelsOf(labelNames, s.values), value: s.n })),
  );
  if (labelNames.length === 0) series.set('', { values: [], n: 0 }); // a plain counter starts at 0
  return {
    inc(values: readonly string[] = [], n = 1) {
      const key = values.join('\u0000');
      let s = series.get(key);
      if (!s) {
        if (series.size >= MAX_SERIES) return;
        s = { values: [...values], n: 0 };
        series.set(key, s);
      }
      s.n += n;
    },
    /** The current value of one label set (tests, derived gauges). */
    value(values: readonly string[] = []) {
      return series.get(values.join('\u0000'))?.n ?? 0;
    },
  };
};

/** A histogram family with fixed buckets (upper bounds in seconds, `le` inclusive). */
export const histogramFamily = (
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  buckets: readonly number[],
) => {
  const series = new Map<string, { values: string[]; counts: number[]; sum: number; count: number }>();
  register(registry, name, help, 'histogram', () => {
    const out: Values = [];
    for (const s of series.values()) {
      const labels = labelsOf(labelNames, s.values);
      let cumulative = 0;
      buckets.forEach((le, i) => {
        cumulative += s.counts[i]!;
        out.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative });
      });
      out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: s.count });
      out.push({ metricName: `${name}_sum`, labels, value: s.sum });
      out.push({ metricName: `${name}_count`, labels, value: s.count });
    }
    return out;
  });
  return {
    observe(values: readonly string[], seconds: number) {
      const key = values.join('\u0000');
      let s = series.get(key);
      if (!s) {
        if (series.size >= MAX_SERIES) return;
        s = { values: [...values], counts: buckets.map(() => 0), sum: 0, count: 0 };
        series.set(key, s);
      }
      let i = 0;
      while (i < buckets.length && seconds > buckets[i]!) i += 1;
      if (i < buckets.length) s.counts[i]! += 1;
      s.sum += seconds;
      s.count += 1;
    },
  };
};

/** A gauge family whose values are computed when scraped (from memory, or a cached query). */
export const gaugeFamily = (
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => Array<[readonly string[], number]> | Promise<Array<[readonly string[], number]>>,
) => {
  register(registry, name, help, 'gauge', async () =>
    (await read()).map(([values, value]) => ({ labels: labelsOf(labelNames, values), value })),
  );
};
