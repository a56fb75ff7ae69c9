/**
 * The legacy game-dev `EventBus`: synchronous publish through serialize →
 * encrypt → decrypt → deserialize, wildcard subscriptions, dead letters,
 * backpressure settings, persist and replay — dispatching through a real bus.
 */
import {
  type Bus,
  BusError,
  type BusErrorCode,
  createBus,
  createEventId,
  type EventEnvelope,
  isThenable,
  type Logger,
  type Subscription,
} from '@bus/core';
import { createEnvelope } from '@bus/core/plugin-kit';
import { topics } from '@bus/topics';
import { BackpressurePolicy, isBackpressurePolicy } from './backpressure-policy.js';
import { CryptoModule } from './crypto-module.js';
import { EventBusError } from './event-bus-error.js';
import { legacyPattern } from './legacy-pattern.js';
import { isSerializer, JsonSerializer, type Serializer } from './serializer.js';

/**
 * Options of the {@link EventBus} constructor: the legacy keyword arguments.
 *
 * @example
 * ```ts
 * const options: EventBusOptions = { queueSize: 64, backpressure: BackpressurePolicy.DROP_OLDEST, persist: true };
 * ```
 */
export interface EventBusOptions {
  /** The queue size; with `REJECT`, any size refuses every publish (legacy). Default `null`. */
  readonly queueSize?: number | null | undefined;
  /** The backpressure policy. Default `null` (none). */
  readonly backpressure?: BackpressurePolicy | null | undefined;
  /** The encrypt/decrypt slot of the publish round trip. Default: the identity {@link CryptoModule}. */
  readonly crypto?: CryptoModule | null | undefined;
  /** The serializer for content types that are not registered. Default `null` (the event passes as it is). */
  readonly serializer?: Serializer | null | undefined;
  /** Keep every published `[topic, raw]` for {@link EventBus.replay}. Default `false`. */
  readonly persist?: boolean | undefined;
  /** The bus's logger (`createBus({ logger })`): pino, `console`, or any `Logger`. Default `consoleLogger()` of `@bus/core`. Not in the legacy API. */
  readonly logger?: Logger | undefined;
}

/**
 * Options of {@link EventBus.publish}.
 *
 * @example
 * ```ts
 * bus.publish('zone.1.player', positionBytes, { contentType: null }); // no serializer
 * ```
 */
export interface EventBusPublishOptions {
  /**
   * The registered serializer to use. Default `'json'`. `null`: none, the
   * event passes as it is. A name that is not registered falls back to the
   * constructor's `serializer` (none when it has none), as in the legacy bus.
   */
  readonly contentType?: string | null | undefined;
}

/**
 * Options of {@link EventBus.updateConfig}; `null` or absent leaves a setting as it is.
 *
 * @example
 * ```ts
 * bus.updateConfig({ queueSize: 0, backpressure: BackpressurePolicy.DROP_OLDEST });
 * ```
 */
export interface UpdateConfigOptions {
  /** The new queue size. */
  readonly queueSize?: number | null | undefined;
  /** The new backpressure policy. */
  readonly backpressure?: BackpressurePolicy | null | undefined;
}

/**
 * A handler: it receives the deserialized event (not an envelope).
 *
 * A returned promise is awaited (its rejection is a handler failure); any other
 * returned value is ignored, as the legacy bus ignored it.
 *
 * @example
 * ```ts
 * const onMove: MessageHandler<{ x: number }> = (msg) => sprite.moveTo(msg.x);
 * ```
 */
export type MessageHandler<T = unknown> = (msg: T) => unknown;

/**
 * A dead letter: the topic and the event as it was given to `publish`.
 *
 * @example
 * ```ts
 * for (const [topic, event] of bus.deadLetters) console.warn('undelivered', topic, event);
 * ```
 */
export type DeadLetter = [topic: string, event: unknown];

/**
 * A persisted event: the topic and the raw payload (serialized, after the
 * crypto round trip), as {@link EventBus.replay} yields it.
 *
 * @example
 * ```ts
 * const [topic, raw]: PersistedEvent = bus.replay().next().value!;
 * ```
 */
export type PersistedEvent = [topic: string, raw: unknown];

const SOURCE = 'game-dev/event-bus';
const ENVELOPE_DEFAULTS = Object.freeze({ source: SOURCE, createId: createEventId });

/**
 * The game-dev event bus. `publish` is synchronous (a game loop): it
 * serializes, encrypts, decrypts and deserializes the event, then dispatches
 * the result with the bus's synchronous `emit` to every handler whose pattern
 * matches (`*` one segment, `#` the rest, zero segments included). Failures of
 * the serializer, the crypto module or a handler add `[topic, event]` to
 * `deadLetters`; a failing handler does not stop the others.
 *
 * The underlying bus is `bus` (`@bus/core` with `@bus/topics`), created with
 * `autoStart`: it starts on the first `publish`, synchronously
 * (every part of it is in-process), so plugins can be added with `bus.use()`
 * right after construction and a `publish` reaches its handlers before it
 * returns. With a plugin that starts asynchronously, work waits, in order,
 * until the start completed (await `ready` to be sure).
 *
 * @example
 * ```ts
 * const bus = new EventBus({ persist: true });
 * bus.subscribe('zone.*.player', (msg) => console.log('player moved', msg));
 * bus.publish('zone.1.player', { x: 10 }); // handlers have run when this returns
 * console.log([...bus.replay()]); // [['zone.1.player', Uint8Array(8)]]
 * ```
 */
export class EventBus {
  /**
   * The underlying bus (`createBus().use(topics())`): add plugins with
   * `bus.use()` right after construction, subscribe to envelopes, or listen to
   * `bus.events` (every dead letter is also signalled as `deadLettered`).
   */
  readonly bus: Bus;
  /** Events that could not be serialized, encrypted, decrypted, deserialized or handled, as `[topic, event]`. */
  readonly deadLetters: DeadLetter[] = [];
  /** Extensions registered with {@link EventBus.registerExtension}, by name. */
  readonly extensions: Record<string, unknown> = Object.create(null) as Record<string, unknown>;

  #queueSize: number | null = null;
  #backpressure: BackpressurePolicy | null = null;
  readonly #serializers = new Map<string, Serializer>([['json', new JsonSerializer()]]);
  readonly #crypto: CryptoModule;
  readonly #defaultSerializer: Serializer | null;
  readonly #persist: boolean;
  readonly #persisted: PersistedEvent[] = [];
  /** The publish being dispatched now, for dead letters of handlers that fail synchronously. */
  #publishing: DeadLetter | undefined;
  /** The publish each failed delivery came from, stamped by the handler wrapper. */
  readonly #origins = new WeakMap<object, DeadLetter>();

  constructor(options: EventBusOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new EventBusError('CONFIG_INVALID', 'new EventBus(options) takes an options object.');
    }
    this.queueSize = options.queueSize ?? null;
    this.backpressure = options.backpressure ?? null;
    const crypto = options.crypto ?? new CryptoModule();
    if (typeof crypto !== 'object' || typeof crypto.encrypt !== 'function' || typeof crypto.decrypt !== 'function') {
      throw new EventBusError('CONFIG_INVALID', 'The crypto option needs encrypt(data) and decrypt(data) methods (a CryptoModule).');
    }
    this.#crypto = crypto;
    const serializer = options.serializer ?? null;
    if (serializer !== null && !isSerializer(serializer)) {
      throw new EventBusError(
        'CONFIG_INVALID',
        'The serializer option needs serialize(event) and deserialize(data) methods (a Serializer).',
      );
    }
    this.#defaultSerializer = serializer;
    if (options.persist !== undefined && typeof options.persist !== 'boolean') {
      throw new EventBusError('CONFIG_INVALID', `The persist option must be a boolean, got ${typeof options.persist}.`);
    }
    this.#persist = options.persist ?? false;

    this.bus = createBus({ source: SOURCE, autoStart: true, ...(options.logger === undefined ? {} : { logger: options.logger }) }).use(
      topics(),
    );
    // Every failed delivery is a dead letter, as every handler exception was in the legacy bus.
    this.bus.events.on('failed', (error, event, subscription) => {
      const origin = this.#origins.get(event) ?? this.#publishing ?? [event.type, event.data];
      this.#deadLetter(origin, error, event, subscription);
    });
  }

  /** Starts the underlying bus if it has not started; resolves once it has (at once for an in-process bus). */
  get ready(): Promise<void> {
    return this.bus.start();
  }

  /** The queue size; `null` for none. Setting it checks the value. */
  get queueSize(): number | null {
    return this.#queueSize;
  }

  set queueSize(queueSize: number | null) {
    this.#queueSize = checkQueueSize(queueSize);
  }

  /** The backpressure policy; `null` for none. Setting it checks the value. */
  get backpressure(): BackpressurePolicy | null {
    return this.#backpressure;
  }

  set backpressure(policy: BackpressurePolicy | null) {
    this.#backpressure = checkPolicy(policy);
  }

  /**
   * Calls `handler` with every event published to a topic `pattern` matches:
   * `*` matches one segment, `#` the rest of the topic (zero segments
   * included, so `global.#` matches `global`; segments after `#` are ignored,
   * as they were).
   */
  subscribe<T = unknown>(pattern: string, handler: MessageHandler<T>): void {
    const translated = legacyPattern(pattern);
    if (typeof handler !== 'function') {
      throw new EventBusError('INVALID_SUBSCRIPTION', `subscribe('${pattern}') needs a handler function.`);
    }
    // One parameter, so the kernel's fast path builds no delivery context for it.
    const deliver = (event: EventEnvelope): void | Promise<void> => {
      const origin = this.#publishing;
      try {
        const result = handler(event.data as T);
        if (!isThenable(result)) return;
        return Promise.resolve(result).then(noop, (error: unknown) => {
          if (origin !== undefined) this.#origins.set(event, origin);
          throw error;
        });
      } catch (error) {
        if (origin !== undefined) this.#origins.set(event, origin);
        throw error;
      }
    };
    this.bus.subscribe(translated, deliver, { name: pattern });
  }

  /** Registers `serializer` under `name`, for `publish(topic, event, { contentType: name })`. */
  registerSerializer(name: string, serializer: Serializer): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new EventBusError('CONFIG_INVALID', 'registerSerializer(name, serializer) needs a non-empty name.');
    }
    if (!isSerializer(serializer)) {
      throw new EventBusError('CONFIG_INVALID', `registerSerializer('${name}') needs serialize(event) and deserialize(data) methods.`);
    }
    this.#serializers.set(name, serializer);
  }

  /** Stores `extension` in `extensions[name]`. */
  registerExtension(name: string, extension: unknown): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new EventBusError('CONFIG_INVALID', 'registerExtension(name, extension) needs a non-empty name.');
    }
    this.extensions[name] = extension;
  }

  /**
   * Publishes `event` to `topic`, synchronously: backpressure check,
   * serialize → encrypt → decrypt → deserialize (a failure dead-letters the
   * event and returns), persist when enabled, then every matching handler gets
   * the deserialized event. Throws `EventBusError` (`BACKPRESSURE_REJECTED`)
   * when a `queueSize` is set with `REJECT`.
   */
  publish(topic: string, event: unknown, options: EventBusPublishOptions = {}): void {
    if (typeof topic !== 'string' || topic.length === 0) {
      throw new EventBusError('INVALID_EVENT', `publish() needs a non-empty topic string, got ${describe(topic)}.`);
    }
    const serializer = this.#serializerFor(options);
    this.#enforceBackpressure(topic);

    let raw: unknown;
    let decoded: unknown;
    let stage: BusErrorCode = 'ENCODE_FAILED';
    try {
      raw = serializer === null ? event : serializer.serialize(event);
      raw = this.#crypto.encrypt(raw);
      stage = 'DECRYPT_FAILED';
      raw = this.#crypto.decrypt(raw);
      stage = 'DECODE_FAILED';
      decoded = serializer === null ? raw : serializer.deserialize(raw);
    } catch (error) {
      this.#deadLetter([topic, event], BusError.from(error, stage));
      return;
    }
    if (this.#persist) this.#persisted.push([topic, raw]);

    const outer = this.#publishing;
    this.#publishing = [topic, event];
    try {
      this.bus.emit(topic, decoded);
    } finally {
      this.#publishing = outer;
    }
  }

  /** Publishes each of `events` to `topic`, in order. */
  batchPublish(topic: string, events: Iterable<unknown>, options: EventBusPublishOptions = {}): void {
    if (typeof events !== 'object' || events === null || typeof (events as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new EventBusError('INVALID_EVENT', `batchPublish('${String(topic)}', events) needs an array (or iterable) of events.`);
    }
    for (const event of events) this.publish(topic, event, options);
  }

  /** Changes the queue size and/or the backpressure policy; `null` or absent keeps the current one. */
  updateConfig(options: UpdateConfigOptions = {}): void {
    if (typeof options !== 'object' || options === null) {
      throw new EventBusError('CONFIG_INVALID', 'updateConfig(options) takes an options object.');
    }
    // Check both before changing either.
    const queueSize = checkQueueSize(options.queueSize ?? null);
    const backpressure = checkPolicy(options.backpressure ?? null);
    if (queueSize !== null) this.#queueSize = queueSize;
    if (backpressure !== null) this.#backpressure = backpressure;
  }

  /** Yields every persisted `[topic, raw]`, oldest first (nothing unless the bus was made with `persist: true`). */
  *replay(): Generator<PersistedEvent, void, undefined> {
    for (const [topic, raw] of this.#persisted) yield [topic, raw];
  }

  #serializerFor(options: EventBusPublishOptions): Serializer | null {
    if (typeof options !== 'object' || options === null) {
      throw new EventBusError('INVALID_EVENT', 'publish(topic, event, options) takes an options object as its third argument.');
    }
    const contentType = options.contentType === undefined ? 'json' : options.contentType;
    if (contentType === null) return null;
    if (typeof contentType !== 'string') {
      throw new EventBusError('INVALID_EVENT', `contentType must be a string or null, got ${typeof contentType}.`);
    }
    return this.#serializers.get(contentType) ?? this.#defaultSerializer;
  }

  #enforceBackpressure(topic: string): void {
    // Legacy: there is no queue, so with a size set REJECT refuses every publish and DROP_OLDEST none.
    if (this.#queueSize !== null && this.#backpressure === BackpressurePolicy.REJECT) {
      throw new EventBusError(
        'BACKPRESSURE_REJECTED',
        `Backpressure reject: '${topic}' refused because queueSize is ${this.#queueSize} with BackpressurePolicy.REJECT, which refuses every publish. Use DROP_OLDEST, or a null queueSize, to publish.`,
        { details: { topic, queueSize: this.#queueSize, policy: this.#backpressure } },
      );
    }
  }

  #deadLetter(origin: DeadLetter, error: BusError, event?: EventEnvelope, subscription?: Subscription): void {
    this.deadLetters.push([origin[0], origin[1]]);
    if (this.bus.events.listenerCount('deadLettered') === 0) return;
    const deadEvent = event ?? createEnvelope(origin[0], origin[1], undefined, ENVELOPE_DEFAULTS);
    this.bus.events.emit('deadLettered', { event: deadEvent, error, attempts: 1, subscription });
  }
}

function checkQueueSize(queueSize: unknown): number | null {
  if (queueSize === null || (typeof queueSize === 'number' && Number.isInteger(queueSize) && queueSize >= 0)) return queueSize;
  throw new EventBusError('CONFIG_INVALID', `queueSize must be a whole number ≥ 0 or null, got ${String(queueSize)}.`);
}

function checkPolicy(policy: unknown): BackpressurePolicy | null {
  if (policy === null || isBackpressurePolicy(policy)) return policy;
  throw new EventBusError(
    'CONFIG_INVALID',
    `backpressure must be BackpressurePolicy.REJECT ('reject'), BackpressurePolicy.DROP_OLDEST ('drop_oldest') or null, got ${String(policy)}.`,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return 'an empty string';
  return value === null ? 'null' : typeof value;
}

function noop(): void {}
