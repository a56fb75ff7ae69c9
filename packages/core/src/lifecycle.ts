/**
 * Lifecycle helpers. `start()` runs its steps in order and stays synchronous
 * as long as every step is: with the memory transport and in-process plugins
 * the bus is live when `start()` returns, so an `emit` on the next line
 * reaches its handlers. A step that returns a promise makes the rest wait for it.
 */
import { isThenable } from './compose.js';

/** One step of a start or stop: returns nothing, or a promise to wait for. */
export type Step = () => unknown;

/** Runs `steps` in order, synchronously until one returns a promise, then the rest after it settles. */
export function inOrder(steps: readonly Step[], from = 0): void | Promise<void> {
  for (let index = from; index < steps.length; index++) {
    const result = (steps[index] as Step)();
    if (isThenable(result)) return Promise.resolve(result).then(() => inOrder(steps, index + 1));
  }
}

/** Awaits `work`, handing a failure to `onError` instead of throwing it. */
export async function settle(work: () => unknown, onError?: (error: unknown) => void): Promise<void> {
  try {
    await work();
  } catch (error) {
    onError?.(error);
  }
}
