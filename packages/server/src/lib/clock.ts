// The clock, passed in so that expiry and schedules can be tested without sleeping.
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
export const iso = (d: Date): string => d.toISOString();
