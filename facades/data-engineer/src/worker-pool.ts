/**
 * The legacy `ThreadPoolExecutor(max_workers=parallelism)` as an async
 * concurrency limit: at most `maxWorkers` tasks run at once, the others wait
 * in submission order. JavaScript has one thread: synchronous tasks run one
 * after another on the event loop, and async tasks overlap up to the limit.
 */
import { BusError } from '@bus/core';

/**
 * Runs submitted tasks, at most {@link WorkerPool.maxWorkers} at a time (the
 * legacy executor; `pipeline.executor`).
 *
 * @example
 * ```ts
 * const pool = new WorkerPool(2);
 * const results = await Promise.all([1, 2, 3].map((n) => pool.submit(async () => n * 2))); // [2, 4, 6]
 * ```
 */
export class WorkerPool {
  /** How many tasks run at once (legacy `_max_workers`). */
  readonly maxWorkers: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  /** Makes a pool of `maxWorkers` (a whole number ≥ 1; else `CONFIG_INVALID`). */
  constructor(maxWorkers: number) {
    if (!Number.isInteger(maxWorkers) || maxWorkers < 1) {
      throw new BusError('CONFIG_INVALID', `parallelism must be a whole number ≥ 1, got ${String(maxWorkers)}.`);
    }
    this.maxWorkers = maxWorkers;
  }

  /** How many tasks are running. */
  get running(): number {
    return this.#running;
  }

  /** How many tasks wait for a free worker. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `task` when a worker is free (never before `submit` returns) and
   * settles with its result; a task that throws rejects the promise.
   */
  submit<R>(task: () => R | Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const run = (): void => {
        this.#running++;
        Promise.resolve()
          .then(task)
          .then(resolve, reject)
          .finally(() => {
            this.#running--;
            this.#waiting.shift()?.();
          });
      };
      if (this.#running < this.maxWorkers) run();
      else this.#waiting.push(run);
    });
  }
}
