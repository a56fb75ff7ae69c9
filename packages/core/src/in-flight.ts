/**
 * In-flight work: the publishes and deliveries that have not settled yet, so
 * `stop()` can drain them. One `then` per tracked promise on the hot path.
 */

/** Counts promises until they settle, and tells waiters when none is left. */
export class InFlight {
  #count = 0;
  #idleWaiters: (() => void)[] = [];

  /** How many tracked promises have not settled. */
  get count(): number {
    return this.#count;
  }

  /** Counts `work` until it settles, then returns what `onDone` or `onFailed` returns. */
  track<R>(work: PromiseLike<unknown>, onDone: () => R, onFailed: (error: unknown) => R): Promise<R> {
    this.#count++;
    return Promise.resolve(work).then(
      () => {
        this.#finish();
        return onDone();
      },
      (error: unknown) => {
        this.#finish();
        return onFailed(error);
      },
    );
  }

  /** Resolves when nothing is in flight, or after `timeoutMs` (then `onTimeout` runs first). */
  idle(timeoutMs: number, onTimeout: (stillInFlight: number) => void): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#idleWaiters = this.#idleWaiters.filter((waiter) => waiter !== done);
        onTimeout(this.#count);
        resolve();
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#idleWaiters.push(done);
    });
  }

  #finish(): void {
    if (--this.#count === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }
}
