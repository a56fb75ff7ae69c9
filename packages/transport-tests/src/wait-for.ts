/**
 * Polling until a condition holds: the suite's only way to wait for a
 * delivery, because a networked transport delivers some time after `publish`
 * resolved, and a fixed sleep is either too short (flaky) or too long (slow).
 */

/**
 * Options of {@link waitFor}.
 *
 * @example
 * ```ts
 * await waitFor(() => seen.length >= 3, 10_000, { intervalMs: 25, message: () => `3 deliveries; got ${seen.length}` });
 * ```
 */
export interface WaitForOptions {
  /** How often to check, in ms. Default 10. */
  readonly intervalMs?: number;
  /** Says what was awaited, for the timeout error; a function is called only when it times out. */
  readonly message?: string | (() => string);
}

const DEFAULT_INTERVAL_MS = 10;

/**
 * Resolves as soon as `predicate` returns (or resolves to) `true`; checks at
 * once, then every `intervalMs`. Rejects with an error naming what was awaited
 * when `timeoutMs` passes first, and with the predicate's own error if it throws.
 *
 * @param predicate - the condition; may be async.
 * @param timeoutMs - how long to keep checking.
 * @example
 * ```ts
 * const seen: EventEnvelope[] = [];
 * bus.subscribe('orders.created', (event) => void seen.push(event));
 * await bus.publish('orders.created', { id: 'o-1' });
 * await waitFor(() => seen.length === 1, 10_000, { message: 'the order to be delivered' });
 * ```
 */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, options: WaitForOptions = {}): Promise<void> {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const message = typeof options.message === 'function' ? options.message() : (options.message ?? 'the condition');
      throw new Error(`waitFor: timed out after ${timeoutMs} ms waiting for ${message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, remaining)));
  }
}
