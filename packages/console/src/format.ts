// Display helpers: dates, relative times and durations as people read them.
export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—');

export const relative = (iso: string | null | undefined, now = Date.now()) => {
  if (!iso) return '—';
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const a = Math.abs(s);
  if (a < 3) return 'just now';
  const [n, unit] =
    a < 90 ? [a, 's'] : a < 5400 ? [Math.round(a / 60), 'min'] : a < 129600 ? [Math.round(a / 3600), 'h'] : [Math.round(a / 86400), 'd'];
  return s >= 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
};

export const duration = (seconds: number | null | undefined) =>
  seconds == null ? '—' : seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(1)} s`;

export const EXPIRING_DAYS = 30;
export const expiringSoon = (iso: string | null, now = Date.now()) =>
  Boolean(iso) && new Date(iso!).getTime() - now < EXPIRING_DAYS * 86400_000;
