// Request metrics as Prometheus reads them: counts by route, method and status that keep growing
// across scrapes, and a latency histogram whose buckets are cumulative and end at the count.
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

const sample = (text: string, line: string) => {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
};

describe('request metrics', () => {
  it('counts requests and keeps the totals across scrapes', async () => {
    const m = createMetrics();
    m.observeRequest('/v1/secrets/*', 'GET', 200, 0.0007);
    m.observeRequest('/v1/secrets/*', 'GET', 200, 0.003);
    m.observeRequest('/v1/secrets/*', 'GET', 404, 0.002);
    let text = await m.registry.metrics();
    expect(sample(text, 'keyhaven_http_requests_total{route="/v1/secrets/*",method="GET",status="200"}')).toBe(2);
    expect(sample(text, 'keyhaven_http_requests_total{route="/v1/secrets/*",method="GET",status="404"}')).toBe(1);
    m.observeRequest('/v1/secrets/*', 'GET', 200, 2);
    text = await m.registry.metrics();
    expect(sample(text, 'keyhaven_http_requests_total{route="/v1/secrets/*",method="GET",status="200"}')).toBe(3);
  });

  it('keeps a cumulative latency histogram per route', async () => {
    const m = createMetrics();
    for (const s of [0.0004, 0.0005, 0.0007, 0.003, 0.2, 5]) m.observeRequest('/health', 'GET', 200, s);
    const text = await m.registry.metrics();
    expect(text).toContain('# TYPE keyhaven_http_request_duration_seconds histogram');
    const bucket = (le: string) => sample(text, `keyhaven_http_request_duration_seconds_bucket{le="${le}",route="/health"}`);
    expect(bucket('0.0005')).toBe(2); // 0.0004 and 0.0005 (le is inclusive)
    expect(bucket('0.001')).toBe(3);
    expect(bucket('0.005')).toBe(4);
    expect(bucket('0.5')).toBe(5);
    expect(bucket('1')).toBe(5);
    expect(bucket('+Inf')).toBe(6);
    expect(sample(text, 'keyhaven_http_request_duration_seconds_count{route="/health"}')).toBe(6);
    expect(sample(text, 'keyhaven_http_request_duration_seconds_sum{route="/health"}')).toBeCloseTo(5.2046, 6);
  });
});
