/**
 * The data-engineer `ETLPipeline`, with its legacy names and behaviour: what
 * it stores and dead-letters also goes through a real bus (`@bus/core`), its
 * context wrappers run inside `@bus/context`, and `jsonSerializer()` is
 * `@bus/serialization`'s codec. The executor is an async worker pool.
 */
import { withContext } from '@bus/context';
import { type Bus, BusError, createBus, type Kernel, type Logger } from '@bus/core';
import { kernelOf } from '@bus/core/plugin-kit';
import { retryOperation } from '@bus/resilience';
import { type CallArguments, isPlainObject, splitCallArguments } from './call-arguments.js';
import { WorkerPool } from './worker-pool.js';

/**
 * The bus event type of each pair {@link ETLPipeline.persistEvents} stores;
 * its data is `{ raw, processed }`.
 *
 * @example
 * ```ts
 * pipeline.bus.subscribe(PERSISTED_EVENT_TYPE, (event) => warehouse.load(event.data));
 * ```
 */
export const PERSISTED_EVENT_TYPE = 'etl.persisted';

/**
 * The bus event type of each entry {@link ETLPipeline.handleErrors} adds to
 * the dead-letter list; its data is the {@link DeadLetterEntry}.
 *
 * @example
 * ```ts
 * pipeline.bus.subscribe(DEAD_LETTER_EVENT_TYPE, (event) => pager.alert(event.data));
 * ```
 */
export const DEAD_LETTER_EVENT_TYPE = 'etl.dead_letter';

/**
 * A serializer as the pipeline uses it: `serialize` makes the raw form that
 * {@link ETLPipeline.publishSync} stores; `deserialize` is for your own use.
 *
 * @example
 * ```ts
 * const tagged: ETLSerializer = {
 *   serialize: (data) => `<serialized>${String(data)}</serialized>`,
 *   deserialize: (text) => String(text).replace(/<\/?serialized>/g, ''),
 * };
 * ```
 */
export interface ETLSerializer {
  /** Turns an event into its raw (stored) form. */
  serialize(data: unknown): unknown;
  /** Turns a raw form back into the event. */
  deserialize?(data: unknown): unknown;
}

/**
 * A registered extension: any function (legacy: any callable).
 *
 * @example
 * ```ts
 * const upper: Extension = (text: string) => text.toUpperCase();
 * ```
 */
// The method form makes parameters bivariant, so `(text: string) => string` is an Extension too.
export type Extension = { bivarianceHack(...args: unknown[]): unknown }['bivarianceHack'];

/**
 * What {@link ETLPipeline.propagateContext}'s wrapper passes to the wrapped
 * function: the context, and the wrapper's arguments split as the legacy did.
 *
 * @example
 * ```ts
 * const call: ContextCall<{ trace_id: number }> = { context: { trace_id: 123 }, args: [1], kwargs: { key: 'value' } };
 * ```
 */
export interface ContextCall<C> extends CallArguments {
  /** The context given to `propagateContext`, itself (not a copy). */
  context: C;
}

/**
 * The pipeline's configuration (legacy `config`).
 *
 * @example
 * ```ts
 * const config: PipelineConfig = pipeline.config; // { parallelism: 1, timeout: null }
 * ```
 */
export interface PipelineConfig {
  /** How many balanced tasks run at once. Default 1. */
  readonly parallelism: number;
  /** A timeout in seconds, stored for your code; the legacy pipeline never applied it, nor does this one. Default `null`. */
  readonly timeout: number | null;
}

/**
 * Options of {@link ETLPipeline.updateConfig}: what is given (and not
 * `null`/`undefined`, legacy `None`) changes.
 *
 * @example
 * ```ts
 * pipeline.updateConfig({ parallelism: 4, timeout: 10 });
 * ```
 */
/**
 * Options of `new ETLPipeline(options)`: what the legacy constructor had no parameter for.
 *
 * @example
 * ```ts
 * const pipeline = new ETLPipeline({ logger: pino() });
 * ```
 */
export interface ETLPipelineOptions {
  /** The bus's logger (`createBus({ logger })`): pino, `console`, or any `Logger`. Default `consoleLogger()` of `@bus/core`. */
  readonly logger?: Logger | undefined;
}

export interface UpdateConfigOptions {
  /** A new worker count: replaces the executor. */
  readonly parallelism?: number | null | undefined;
  /** A new timeout, in seconds. */
  readonly timeout?: number | null | undefined;
}

/**
 * Options of {@link ETLPipeline.publishSync} (legacy keyword `serializer`).
 *
 * @example
 * ```ts
 * pipeline.publishSync(events, transform, { serializer: jsonSerializer() });
 * ```
 */
export interface PublishSyncOptions {
  /** Makes the raw form of each event; without one the event itself is stored. */
  readonly serializer?: ETLSerializer | null | undefined;
}

/**
 * Options of {@link ETLPipeline.handleErrors} (legacy keywords `retries`, `initial_delay`).
 *
 * @example
 * ```ts
 * const load = pipeline.handleErrors(loadBatch, { retries: 5, initialDelay: 0.5 });
 * ```
 */
export interface HandleErrorsOptions {
  /** Calls in all, the first included (a whole number ≥ 1). Default 1. */
  readonly retries?: number;
  /** The pause between two calls, in seconds, the same every time. Default 1. */
  readonly initialDelay?: number;
}

/**
 * A call that failed every attempt, as {@link ETLPipeline.handleErrors}
 * records it in `deadLetter`.
 *
 * @example
 * ```ts
 * const entry: DeadLetterEntry = { func: 'loadBatch', args: [42], kwargs: { table: 'orders' } };
 * ```
 */
export interface DeadLetterEntry extends CallArguments {
  /** The name of the function (`'<anonymous>'` when it has none). */
  func: string;
}

/**
 * One task for {@link ETLPipeline.balanceLoad}: a function, its positional
 * arguments, and its keyword arguments (passed as a trailing options object
 * when not empty).
 *
 * @example
 * ```ts
 * const task: BalanceTask = [add, [1, 2], {}];
 * ```
 */
export type BalanceTask = readonly [func: Extension, args?: readonly unknown[], kwargs?: Readonly<Record<string, unknown>>];

/**
 * What {@link ETLPipeline.reportHealth} returns.
 *
 * @example
 * ```ts
 * const { handlerCounts }: HealthReport = pipeline.reportHealth(); // { add: 2, mul: 1 }
 * ```
 */
export interface HealthReport {
  /** Always 0, as in the legacy pipeline (it has no consumer to lag). */
  consumerLag: number;
  /** The parallelism once `balanceLoad` was used, else 0. */
  threadPoolUsage: number;
  /** How many tasks `balanceLoad` ran, by function name. */
  handlerCounts: Record<string, number>;
}

/**
 * The data-engineer ETL pipeline. Members keep their legacy names in
 * camelCase; keyword arguments are a trailing options object; dict results are
 * objects with camelCase keys.
 *
 * `bus` is the real bus underneath: every stored `{ raw, processed }` pair is
 * emitted on it as a {@link PERSISTED_EVENT_TYPE} event and every dead letter
 * as a {@link DEAD_LETTER_EVENT_TYPE} event. Add plugins to it with `use()`
 * before the first event (or {@link ETLPipeline.start}).
 *
 * @example
 * ```ts
 * const pipeline = new ETLPipeline();
 * pipeline.bus.subscribe(PERSISTED_EVENT_TYPE, (event) => console.log(event.data)); // { raw: '1', processed: 2 }
 * pipeline.publishSync([1, 2], (n) => Number(n) * 2, { serializer: jsonSerializer() });
 * const load = pipeline.handleErrors(loadBatch, { retries: 3, initialDelay: 0.2 });
 * const [sum] = pipeline.balanceLoad([[(a: number, b: number) => a + b, [1, 2]]]);
 * await sum; // 3
 * await pipeline.stop();
 * ```
 */
export class ETLPipeline {
  /** The bus underneath. Add plugins before the first event. */
  readonly bus: Bus;
  /** Serializers by name (legacy `serializer_registry`). */
  readonly serializerRegistry: Record<string, ETLSerializer> = Object.create(null);
  /** Extensions by name (legacy `extension_registry`). */
  readonly extensionRegistry: Record<string, Extension> = Object.create(null);
  /** The stored events: raw and processed, in order (legacy `event_store`). */
  readonly eventStore: { raw: unknown[]; processed: unknown[] } = { raw: [], processed: [] };
  /** The calls that failed every attempt of `handleErrors` (legacy `dead_letter`). */
  readonly deadLetter: DeadLetterEntry[] = [];
  #config: PipelineConfig = Object.freeze({ parallelism: 1, timeout: null });
  #executor = new WorkerPool(1);
  #executorUsed = false;
  readonly #tokens = new Set<string>();
  readonly #handlerCounts = new Map<string, number>();
  /** The kernel's `report`, taken by the facade's plugin: `bus.events` `'error'`, and the logger when unhandled. */
  readonly #reports: Pick<Kernel, 'report'>;

  /** Makes the pipeline; its bus starts with the first event (or {@link ETLPipeline.start}). */
  constructor(options: ETLPipelineOptions = {}) {
    const bus = createBus({ source: 'etl-pipeline', autoStart: true, ...(options.logger === undefined ? {} : { logger: options.logger }) });
    this.bus = bus;
    this.#reports = kernelOf(bus, 'etl-pipeline');
  }

  /** The configuration (a frozen copy; change it with {@link ETLPipeline.updateConfig}). */
  get config(): PipelineConfig {
    return this.#config;
  }

  /** The worker pool `balanceLoad` runs on (legacy `_executor`); replaced when the parallelism changes. */
  get executor(): WorkerPool {
    return this.#executor;
  }

  /** `{ consumerLag, threadPoolUsage, handlerCounts }`. */
  reportHealth(): HealthReport {
    return {
      consumerLag: 0,
      threadPoolUsage: this.#executorUsed ? this.#config.parallelism : 0,
      handlerCounts: Object.fromEntries(this.#handlerCounts),
    };
  }

  /** Registers (or replaces) the serializer `name`. Throws `CONFIG_INVALID` without a name or a `serialize` function. */
  registerSerializer(name: string, serializer: ETLSerializer): void {
    requireName(name, 'registerSerializer');
    if (typeof serializer?.serialize !== 'function') {
      throw new BusError('CONFIG_INVALID', `registerSerializer('${name}') needs an object with a serialize() method.`);
    }
    this.serializerRegistry[name] = serializer;
  }

  /** Registers (or replaces) the extension `name`. Throws `CONFIG_INVALID` without a name or a function. */
  registerExtension(name: string, extension: Extension): void {
    requireName(name, 'registerExtension');
    if (typeof extension !== 'function') throw new BusError('CONFIG_INVALID', `registerExtension('${name}') needs a function.`);
    this.extensionRegistry[name] = extension;
  }

  /**
   * Wraps `func`: calling the wrapper with `(...args, kwargs?)` calls
   * `func({ context, args, kwargs })` — `context` itself, the positional
   * arguments, and the trailing plain object (or `{}`). When `context` is an
   * object, `func` also runs inside it as `@bus/context`'s ambient context, so
   * events published from `func` carry its ids.
   */
  propagateContext<C, R>(func: (call: ContextCall<C>) => R, context: C): (...args: unknown[]) => R {
    if (typeof func !== 'function') throw new BusError('CONFIG_INVALID', 'propagateContext() needs a function to wrap.');
    return (...args: unknown[]): R => {
      const call: ContextCall<C> = { context, ...splitCallArguments(args) };
      return isPlainObject(context) ? withContext(context, () => func(call)) : func(call);
    };
  }

  /** Stores one pair in `eventStore`, and emits it on the bus as a {@link PERSISTED_EVENT_TYPE} event. */
  persistEvents(raw: unknown, processed: unknown): void {
    this.eventStore.raw.push(raw);
    this.eventStore.processed.push(processed);
    this.#notify(PERSISTED_EVENT_TYPE, { raw, processed });
  }

  /**
   * For each event: its raw form (`serializer.serialize(event)`, or the event
   * itself), then `process(event)`, then {@link ETLPipeline.persistEvents}.
   * An event whose serialization throws is skipped, as in the legacy; an
   * error of `process` stops the loop and is thrown. The serializer may also
   * be given positionally, as in the legacy call.
   */
  publishSync<E>(events: Iterable<E>, process: (event: E) => unknown, options?: PublishSyncOptions | ETLSerializer | null): void {
    if (events === null || typeof (events as Partial<Iterable<E>>)?.[Symbol.iterator] !== 'function') {
      throw new BusError('CONFIG_INVALID', 'publishSync() takes the events as an array (or any iterable).');
    }
    if (typeof process !== 'function') throw new BusError('CONFIG_INVALID', 'publishSync() needs a process function.');
    const serializer = serializerOf(options);
    for (const event of events) {
      let raw: unknown;
      try {
        raw = serializer === undefined ? event : serializer.serialize(event);
      } catch {
        continue; // the legacy skips an event that does not serialize
      }
      this.persistEvents(raw, process(event));
    }
  }

  /**
   * Changes what is given: a new `parallelism` (a whole number ≥ 1) replaces
   * the executor (tasks on the old one finish there); a `timeout` (seconds,
   * ≥ 0) is stored. Throws `CONFIG_INVALID` for bad values, changing nothing.
   */
  updateConfig(options: UpdateConfigOptions = {}): void {
    const { parallelism, timeout } = options;
    const executor = parallelism === undefined || parallelism === null ? undefined : new WorkerPool(parallelism);
    if (timeout !== undefined && timeout !== null && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0)) {
      throw new BusError('CONFIG_INVALID', `timeout must be a number of seconds ≥ 0, got ${String(timeout)}.`);
    }
    if (executor !== undefined) this.#executor = executor;
    this.#config = Object.freeze({
      parallelism: executor?.maxWorkers ?? this.#config.parallelism,
      timeout: timeout ?? this.#config.timeout,
    });
  }

  /** Accepts `token` from now on. Throws `CONFIG_INVALID` for an empty or non-string token. */
  addToken(token: string): void {
    if (typeof token !== 'string' || token.length === 0) throw new BusError('CONFIG_INVALID', 'addToken() needs a non-empty string.');
    this.#tokens.add(token);
  }

  /** Whether `token` was added. */
  authenticate(token: string): boolean {
    return typeof token === 'string' && this.#tokens.has(token);
  }

  /**
   * Wraps `func` in retries: the wrapper calls it up to `retries` times, with
   * the same `initialDelay` (seconds) between calls. After the last failure it
   * appends `{ func: name, args, kwargs }` to `deadLetter` (and emits it on the
   * bus as a {@link DEAD_LETTER_EVENT_TYPE} event), then rejects with that
   * failure. The wrapper is async (the legacy one slept its thread). Throws
   * `CONFIG_INVALID` for retries that are not a whole number ≥ 1 or a delay
   * that is not a number of seconds ≥ 0.
   */
  handleErrors<A extends unknown[], R>(
    func: (...args: A) => R | Promise<R>,
    options: HandleErrorsOptions = {},
  ): (...args: A) => Promise<Awaited<R>> {
    const { retries = 1, initialDelay = 1 } = options;
    if (typeof func !== 'function') throw new BusError('CONFIG_INVALID', 'handleErrors() needs a function to wrap.');
    if (!Number.isInteger(retries) || retries < 1) {
      throw new BusError('CONFIG_INVALID', `handleErrors() needs retries as a whole number ≥ 1 (calls in all), got ${String(retries)}.`);
    }
    if (typeof initialDelay !== 'number' || !Number.isFinite(initialDelay) || initialDelay < 0) {
      throw new BusError('CONFIG_INVALID', `handleErrors() needs initialDelay in seconds ≥ 0, got ${String(initialDelay)}.`);
    }
    return async (...args: A): Promise<Awaited<R>> => {
      try {
        // The legacy fixed delay: a doubling capped at its start is no doubling; every failure is retried.
        const delayMs = initialDelay * 1000;
        const fixedDelay = { maxAttempts: retries, initialDelayMs: delayMs, maxDelayMs: delayMs, jitter: false, retryable: () => true };
        return await retryOperation(async () => await func(...args), fixedDelay);
      } catch (error) {
        const entry: DeadLetterEntry = { func: nameOf(func), ...splitCallArguments(args) };
        this.deadLetter.push(entry);
        this.#notify(DEAD_LETTER_EVENT_TYPE, entry);
        throw error;
      }
    };
  }

  /**
   * Runs each `[func, args, kwargs]` on the executor (at most `parallelism`
   * at once) as `func(...args)`, or `func(...args, kwargs)` when `kwargs` has
   * keys, and returns one promise per task (legacy futures). Counts each call
   * by the function's name as it starts. A task that throws rejects its
   * promise; rejections nobody awaits are not reported, as a legacy future's
   * exception was not. Throws `CONFIG_INVALID`, running nothing, when a task
   * is malformed.
   */
  balanceLoad(tasks: readonly BalanceTask[]): Promise<unknown>[] {
    if (!Array.isArray(tasks)) throw new BusError('CONFIG_INVALID', 'balanceLoad() takes an array of [func, args, kwargs] tasks.');
    const calls = tasks.map(checkedTask);
    this.#executorUsed = true;
    const executor = this.#executor;
    return calls.map(({ func, args, kwargs }) => {
      const result = executor.submit(() => {
        const name = nameOf(func);
        this.#handlerCounts.set(name, (this.#handlerCounts.get(name) ?? 0) + 1);
        const call = func as (...callArgs: unknown[]) => unknown;
        return Object.keys(kwargs).length === 0 ? call(...args) : call(...args, kwargs);
      });
      result.catch(() => undefined);
      return result;
    });
  }

  /**
   * Starts the bus (the first event does it too) and resolves once the
   * events recorded before it ran were emitted. Not in the legacy API.
   */
  start(): Promise<void> {
    return this.bus.start();
  }

  /** Stops the bus, draining in-flight deliveries. Not in the legacy API. */
  stop(): Promise<void> {
    return this.bus.stop();
  }

  // Emitting is a notification next to the legacy bookkeeping: a stopped bus is reported, never thrown at legacy code.
  #notify(type: string, data: unknown): void {
    try {
      this.bus.emit(type, data);
    } catch (error) {
      // Never thrown at legacy code: on `bus.events` `'error'`, logged when nobody handles it.
      this.#reports.report(error, 'BUS_STOPPED');
    }
  }
}

function requireName(name: unknown, method: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new BusError('CONFIG_INVALID', `${method}() needs a non-empty name.`);
}

function nameOf(func: (...args: never[]) => unknown): string {
  return typeof func.name === 'string' && func.name.length > 0 ? func.name : '<anonymous>';
}

function serializerOf(options: PublishSyncOptions | ETLSerializer | null | undefined): ETLSerializer | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') throw new BusError('CONFIG_INVALID', 'publishSync() takes { serializer } (or a serializer) third.');
  if (typeof (options as Partial<ETLSerializer>).serialize === 'function') return options as ETLSerializer;
  const serializer = (options as PublishSyncOptions).serializer;
  if (serializer === undefined || serializer === null) return undefined;
  if (typeof serializer.serialize !== 'function') {
    throw new BusError('CONFIG_INVALID', 'publishSync() needs a serializer with a serialize() method.');
  }
  return serializer;
}

interface CheckedTask {
  readonly func: Extension;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
}

function checkedTask(task: BalanceTask, index: number): CheckedTask {
  if (!Array.isArray(task) || typeof task[0] !== 'function') {
    throw new BusError('CONFIG_INVALID', `balanceLoad() task #${index} must be [func, args, kwargs] with a function first.`);
  }
  const [func, args = [], kwargs = {}] = task;
  if (!Array.isArray(args)) throw new BusError('CONFIG_INVALID', `balanceLoad() task #${index}: args must be an array.`);
  if (!isPlainObject(kwargs)) throw new BusError('CONFIG_INVALID', `balanceLoad() task #${index}: kwargs must be a plain object.`);
  return { func, args, kwargs };
}
