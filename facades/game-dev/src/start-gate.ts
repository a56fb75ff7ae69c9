/**
 * Starts a bus on its own and holds back work until it has started.
 *
 * The legacy constructor was synchronous and publishing worked at once; the
 * kernel's `start()` is asynchronous. So the bus starts on the next microtask
 * (leaving the constructor's caller the rest of the current tick to `.use()`
 * plugins on it), and deliveries asked for before then wait, in order, and run
 * as soon as it has started.
 */
import type { Bus } from '@bus/core';

/** Starts `bus` on the next microtask; `run` defers work until it has started. */
export class StartGate {
  /** Resolves once the bus has started and the held work ran; rejects when start failed. */
  readonly ready: Promise<void>;
  #held: (() => void)[] | undefined = [];

  constructor(bus: Bus, onFailure: (error: unknown) => void) {
    this.ready = Promise.resolve()
      .then(() => bus.start())
      .then(
        () => this.#release(onFailure),
        (error: unknown) => {
          const dropped = this.#held?.length ?? 0;
          this.#held = undefined;
          if (dropped > 0) onFailure(error);
          throw error;
        },
      );
    // Awaiting `ready` is optional: a failed start is also reported through `onFailure`.
    this.ready.catch(() => undefined);
  }

  /** Whether the bus has not started yet (work given to `run` would wait). */
  get holding(): boolean {
    return this.#held !== undefined;
  }

  /** Runs `work` now when the bus has started (or failed to), else once it has. */
  run(work: () => void): void {
    if (this.#held === undefined) work();
    else this.#held.push(work);
  }

  #release(onFailure: (error: unknown) => void): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const work of held) {
      try {
        work();
      } catch (error) {
        onFailure(error);
      }
    }
  }
}
