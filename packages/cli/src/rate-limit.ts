/**
 * The `--rate` of `bus replay`: at most N events in any one second, with
 * p-throttle's strict (sliding window) mode, each batch weighing as many
 * events as it holds.
 */
import pThrottle from 'p-throttle';

/** A gate that work passes through at the rate it was made for. */
export interface RateLimit {
  /** Runs `work` (worth `weight` events) once the rate allows it. */
  run<T>(weight: number, work: () => Promise<T>): Promise<T>;
  /** How many runs had to wait for the rate. */
  readonly delayed: number;
  /** The most events per batch that keeps the rate smooth (a tenth of a second's worth, 1 to `max`). */
  readonly batchSize: number;
}

/** A gate of `eventsPerSecond` (none: no limit); batches of at most `max` events. */
export function rateLimit(eventsPerSecond: number | undefined, max: number): RateLimit {
  if (eventsPerSecond === undefined) return { run: (_weight, work) => work(), delayed: 0, batchSize: max };
  let delayed = 0;
  const throttle = pThrottle({
    limit: eventsPerSecond,
    interval: 1_000,
    strict: true,
    weight: (weight: number) => weight,
    onDelay: () => {
      delayed += 1;
    },
  });
  const gate = throttle(<T>(_weight: number, work: () => Promise<T>): Promise<T> => work());
  return {
    run: (weight, work) => gate(weight, work) as ReturnType<typeof work>,
    get delayed() {
      return delayed;
    },
    batchSize: Math.max(1, Math.min(max, Math.floor(eventsPerSecond / 10))),
  };
}
