/**
 * Starts a bus on the next microtask. The legacy constructor was synchronous;
 * the kernel's `start()` is not. Starting a microtask later leaves the
 * constructor's caller the rest of the current tick to `.use()` plugins on
 * the bus (after `start()` began, `use()` throws `BUS_FROZEN`).
 */
import type { Bus } from '@bus/core';

/** Starts `bus` on the next microtask; the promise settles with `start()`. */
export function startSoon(bus: Bus): Promise<void> {
  const started = Promise.resolve().then(() => bus.start());
  // Awaiting it is optional: whoever needs the bus (process()) awaits it and sees the failure.
  started.catch(() => undefined);
  return started;
}
