/**
 * The distributed-architect `EventBus`, with its legacy names and behaviour,
 * assembled from the bus and its plugins: publishes go through a real bus
 * (`@bus/topics` routing) behind a `BoundedBuffer` (`@bus/backpressure`);
 * serializers use the JSON codec of `@bus/serialization`; authorizations
 * decide through a `@bus/topics` ACL; context lives in `@bus/context`'s
 * AsyncLocalStorage; schemas are checked by ajv (`@bus/schema`).
 */
import { BoundedBuffer, type BufferPolicy } from '@bus/backpressure';
import { currentContext, enterContext } from '@bus/context';
import { type Bus, BusError, createBus, type Logger } from '@bus/core';
import { legacyXor } from '@bus/crypto';
import { type JsonSchema, validateJsonSchema } from '@bus/schema';
import { type Acl, createAcl, isTopicPattern, type TopicsExtension, topics } from '@bus/topics';
import { BufferError, ValidationError } from './errors.js';
import { roundRobin } from './round-robin.js';
import { type DeserializeFn, type SerializeFn, SerializerRegistry } from './serializers.js';

/**
 * The type of the bus events that {@link EventBus.publish} emits: subscribe to
 * it on `eventBus.bus` to receive what legacy code publishes.
 *
 * @example
 * ```ts
 * eventBus.bus.subscribe(LEGACY_EVENT_TYPE, (event) => console.log(event.data));
 * ```
 */
export const LEGACY_EVENT_TYPE = 'distributed_architect.event';

/**
 * What a full queue does with one more event: `'reject'` throws
 * {@link BufferError}; `'drop_oldest'` drops the oldest queued event.
 *
 * @example
 * ```ts
 * const policy: BackpressurePolicy = 'drop_oldest';
 * ```
 */
export type BackpressurePolicy = 'reject' | 'drop_oldest';

/**
 * What {@link EventBus.generateDocumentation} returns.
 *
 * @example
 * ```ts
 * const docs: Documentation = eventBus.generateDocumentation(); // { serializers: ['json'], acls: {}, metrics: [] }
 * ```
 */
export interface Documentation {
  /** The registered serializer names, `json` first. */
  serializers: string[];
  /** The authorizations: topic → the actors authorized on it, in order. */
  acls: Record<string, string[]>;
  /** The counter names. */
  metrics: string[];
}

/**
 * What {@link EventBus.exposeMetrics} returns.
 *
 * @example
 * ```ts
 * const { counters }: Metrics = eventBus.exposeMetrics(); // { hits: 5 }
 * ```
 */
export interface Metrics {
  /** Each counter's value, by name. */
  counters: Record<string, number>;
}

/**
 * Options of {@link EventBus.encryptPayload} (legacy keyword `key`).
 *
 * @example
 * ```ts
 * const options: EncryptPayloadOptions = { key: new TextEncoder().encode('k') };
 * ```
 */
export interface EncryptPayloadOptions {
  /** The key; only its first byte is used. Without one the UTF-8 bytes come back unchanged. */
  readonly key?: Uint8Array | undefined;
}

/**
 * Options of {@link EventBus.incrementCounter} (legacy keyword `amount`).
 *
 * @example
 * ```ts
 * eventBus.incrementCounter('hits', { amount: 4 });
 * ```
 */
export interface IncrementCounterOptions {
  /** How much to add. Default 1. */
  readonly amount?: number;
}

const POLICIES: Readonly<Record<BackpressurePolicy, BufferPolicy>> = Object.freeze({
  reject: 'reject',
  drop_oldest: 'drop-oldest',
});

const utf8 = new TextEncoder();

/**
 * Options of `new EventBus(options)`: what the legacy constructor had no parameter for.
 *
 * @example
 * ```ts
 * const eventBus = new EventBus({ logger: pino() });
 * ```
 */
export interface DistributedEventBusOptions {
  /** The bus's logger (`createBus({ logger })`): pino, `console`, or any `Logger`. Default `consoleLogger()` of `@bus/core`. */
  readonly logger?: Logger | undefined;
}

/**
 * The distributed-architect event bus. Methods keep their legacy (already
 * camelCase) names; keyword arguments with defaults are a trailing options
 * object; errors are `BusError`s (`ValidationError`, `BufferError` keep their
 * legacy class names).
 *
 * `bus` is the real bus underneath (`createBus().use(topics())`): add plugins
 * to it with `use()` before the first {@link EventBus.publish} (or
 * {@link EventBus.start}), and subscribe to {@link LEGACY_EVENT_TYPE} on it.
 *
 * @example
 * ```ts
 * const eventBus = new EventBus();
 * eventBus.bus.subscribe(LEGACY_EVENT_TYPE, (event) => console.log('got', event.data));
 * eventBus.controlBackpressure(100, 'drop_oldest');
 * eventBus.publish({ order: 'o-1' });
 * await eventBus.start(); // resolves once what was published before the bus ran was delivered
 * eventBus.authorizeActor('orders', 'alice');
 * eventBus.checkAuthorization('orders', 'alice'); // true
 * await eventBus.stop();
 * ```
 */
export class EventBus {
  /** The bus underneath, with `@bus/topics` routing. Add plugins before the first publish. */
  readonly bus: Bus & TopicsExtension;
  readonly #serializers = new SerializerRegistry();
  readonly #authorizations = new Map<string, string[]>();
  #acl: Acl = createAcl([], { defaultEffect: 'deny' });
  readonly #counters = new Map<string, number>();
  readonly #queue = new BoundedBuffer<unknown>({ capacity: Number.POSITIVE_INFINITY, policy: 'reject' });
  #nodes: readonly string[] = Object.freeze([]);
  #leader: string | undefined;

  /** Makes the bus; it starts on the first publish (or {@link EventBus.start}). */
  constructor(options: DistributedEventBusOptions = {}) {
    this.bus = createBus({
      source: 'distributed-architect',
      autoStart: true,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    }).use(topics());
  }

  /** The cluster nodes given to {@link EventBus.setupClustering}, in order; empty before. */
  get nodes(): readonly string[] {
    return this.#nodes;
  }

  /** The leader (the first node), or undefined before {@link EventBus.setupClustering}. */
  get leader(): string | undefined {
    return this.#leader;
  }

  /**
   * The authorizations as a `@bus/topics` `Acl` (allow rules for
   * publish and subscribe, deny by default), ready for `topics({ acl })` on a
   * new bus.
   */
  get acl(): Acl {
    return this.#acl;
  }

  /** The events the queue holds, oldest first (a copy). */
  get queue(): readonly unknown[] {
    return this.#queue.toArray();
  }

  /** Describes the bus: serializer names, authorizations, counter names. */
  generateDocumentation(): Documentation {
    return {
      serializers: this.#serializers.names(),
      acls: Object.fromEntries([...this.#authorizations].map(([topic, actors]) => [topic, [...actors]])),
      metrics: [...this.#counters.keys()],
    };
  }

  /**
   * **Insecure legacy XOR**: the UTF-8 bytes of `payload` (or the bytes
   * themselves) XOR the first byte of `key`; calling it again with the same key
   * restores them. Without a key, the bytes come back unchanged. Warns once per
   * process; use `@bus/crypto`'s `sealPayload` or `crypto()` plugin instead.
   * The key may also be given positionally, as in the legacy call.
   *
   * @deprecated XOR with one byte is not encryption. See the README for the AES-256-GCM replacement.
   */
  encryptPayload(payload: string | Uint8Array, options?: EncryptPayloadOptions | Uint8Array): Uint8Array {
    const bytes = bytesOf(payload);
    // Anything but an options object is taken as the key, and checked as one.
    const key = typeof options === 'object' && options !== null && !(options instanceof Uint8Array) ? options.key : options;
    return key === undefined ? bytes : legacyXor(bytes, key);
  }

  /** Registers (or replaces) the serializer `name`: an encode and a decode function. */
  registerSerializer(name: string, enc: SerializeFn, dec: DeserializeFn): void {
    this.#serializers.register(name, enc, dec);
  }

  /**
   * Serializes `data` with the serializer `name`; `json` (the default) gives
   * a string. An unknown name throws `ENCODE_FAILED` (legacy `KeyError`).
   */
  serialize(name: string, data: unknown): unknown {
    return this.#serializers.serialize(name, data);
  }

  /** Deserializes `blob` with the serializer `name`. An unknown name throws `DECODE_FAILED` (legacy `KeyError`). */
  deserialize(name: string, blob: unknown): unknown {
    return this.#serializers.deserialize(name, blob);
  }

  /**
   * Authorizes `actor` on `topic`. Topics are dot-separated words; a `*`
   * (one word) or `#` (zero or more) word makes it a pattern, as in `@bus/topics`.
   * Throws `CONFIG_INVALID` for an empty topic or actor, or an invalid pattern.
   */
  authorizeActor(topic: string, actor: string): void {
    if (!isTopicPattern(topic)) {
      throw new BusError('CONFIG_INVALID', `authorizeActor() needs a topic of dot-separated words, got ${JSON.stringify(topic)}.`);
    }
    if (typeof actor !== 'string' || actor.length === 0) {
      throw new BusError('CONFIG_INVALID', `authorizeActor('${topic}') needs a non-empty actor name.`);
    }
    const actors = this.#authorizations.get(topic) ?? [];
    actors.push(actor);
    this.#authorizations.set(topic, actors);
    this.#acl = createAcl(
      [...this.#authorizations].flatMap(([pattern, principals]) =>
        principals.flatMap((principal) => [
          { principal, pattern, action: 'publish' as const, effect: 'allow' as const },
          { principal, pattern, action: 'subscribe' as const, effect: 'allow' as const },
        ]),
      ),
      { defaultEffect: 'deny' },
    );
  }

  /** Whether `actor` was authorized on `topic`. Throws `INVALID_EVENT` for a topic that is not a non-empty string. */
  checkAuthorization(topic: string, actor: string): boolean {
    if (typeof topic !== 'string' || topic.length === 0) {
      throw new BusError('INVALID_EVENT', 'checkAuthorization() needs a non-empty topic.');
    }
    return typeof actor === 'string' && this.#acl.isAllowed(actor, 'publish', topic);
  }

  /**
   * Sets `key` to `value` in the current async context (legacy: thread-local):
   * seen by {@link EventBus.getContext} for the rest of this execution and the
   * async work it starts, not by other async contexts. The value lives in
   * `@bus/context`'s ambient context, so events published from here carry it
   * when the bus uses `context({ propagate: [key] })`.
   */
  propagateContext(key: string, value: unknown): void {
    if (typeof key !== 'string' || key.length === 0) {
      throw new BusError('CONFIG_INVALID', 'propagateContext() needs a non-empty key.');
    }
    enterContext({ [key]: value });
  }

  /** The value of `key` in the current async context, or undefined. */
  getContext(key: string): unknown {
    return currentContext()?.[key];
  }

  /**
   * Deals `events` to `handlers` round robin: `{ h1: [e0, e2], h2: [e1, e3] }`.
   * No handlers → `{}`. Handlers are names (strings).
   */
  balanceLoad<H extends PropertyKey, E>(handlers: readonly H[], events: Iterable<E>): Record<H, E[]> {
    return roundRobin(handlers, events);
  }

  /**
   * Checks `payload` against the JSON Schema `schema` (every keyword, with
   * ajv). Returns `true`, or throws {@link ValidationError}. A schema that is
   * not valid JSON Schema, or is `$async`, throws `CONFIG_INVALID`.
   */
  validateSchema(schema: JsonSchema, payload: unknown): true {
    const result = validateJsonSchema(schema, payload);
    if (result instanceof Promise) {
      result.catch(() => undefined);
      throw new BusError(
        'CONFIG_INVALID',
        'validateSchema() is synchronous: $async schemas are not supported (use validateJsonSchema from @bus/schema).',
      );
    }
    if (!result.valid) throw new ValidationError(result.message, { details: { errors: result.errors ?? [] } });
    return true;
  }

  /**
   * Bounds the queue at `limit` events; when it is full, `'reject'` makes
   * {@link EventBus.publish} throw {@link BufferError} and `'drop_oldest'`
   * drops the oldest. Throws `CONFIG_INVALID` for another policy or a limit
   * that is not a whole number ≥ 0.
   */
  controlBackpressure(limit: number, policy: BackpressurePolicy): void {
    const bufferPolicy = Object.hasOwn(POLICIES, policy) ? POLICIES[policy] : undefined;
    if (bufferPolicy === undefined) {
      throw new BusError('CONFIG_INVALID', `controlBackpressure() takes policy 'reject' or 'drop_oldest', got ${JSON.stringify(policy)}.`);
    }
    this.#queue.capacity = limit;
    this.#queue.policy = bufferPolicy;
  }

  /**
   * Publishes `event`: queues it under the backpressure policy and emits it
   * on {@link EventBus.bus} as a {@link LEGACY_EVENT_TYPE} event (synchronous
   * handlers have run when it returns, once the bus runs). Throws
   * {@link BufferError} when the queue is full under `'reject'`.
   */
  publish(event: unknown): void {
    if (this.#queue.full && this.#queue.policy === 'reject') {
      throw new BufferError(`The queue holds its limit of ${this.#queue.capacity} events and the policy is 'reject'.`, {
        details: { limit: this.#queue.capacity, policy: 'reject' },
      });
    }
    this.bus.emit(LEGACY_EVENT_TYPE, event);
    this.#queue.offer(event);
  }

  /** Removes and returns the queued events, oldest first: room for more under `'reject'`. */
  drainQueue(): unknown[] {
    return this.#queue.drain();
  }

  /** Sets the cluster nodes; the first is the leader. Throws `CONFIG_INVALID` for an empty list. */
  setupClustering(nodes: readonly string[]): void {
    if (!Array.isArray(nodes) || nodes.length === 0) throw new BusError('CONFIG_INVALID', 'No nodes provided.');
    for (const node of nodes) {
      if (typeof node !== 'string' || node.length === 0) {
        throw new BusError('CONFIG_INVALID', 'setupClustering() takes node names (non-empty strings).');
      }
    }
    this.#nodes = Object.freeze([...nodes]);
    this.#leader = nodes[0];
  }

  /** The leader node, or undefined before {@link EventBus.setupClustering}. */
  getLeader(): string | undefined {
    return this.#leader;
  }

  /** The value of counter `name`; 0 when unknown. */
  getCounter(name: string): number {
    return this.#counters.get(name) ?? 0;
  }

  /**
   * Adds `amount` (default 1) to counter `name`. The amount may also be given
   * positionally, as in the legacy call. Throws `CONFIG_INVALID` for an empty
   * name or an amount that is not a finite number.
   */
  incrementCounter(name: string, options?: IncrementCounterOptions | number): void {
    const amount = typeof options === 'number' ? options : typeof options === 'object' ? (options?.amount ?? 1) : (options ?? 1);
    if (typeof name !== 'string' || name.length === 0) throw new BusError('CONFIG_INVALID', 'incrementCounter() needs a name.');
    if (typeof amount !== 'number' || !Number.isFinite(amount)) {
      throw new BusError('CONFIG_INVALID', `incrementCounter('${name}') needs a finite amount, got ${String(amount)}.`);
    }
    this.#counters.set(name, this.getCounter(name) + amount);
  }

  /** Every counter's value. */
  exposeMetrics(): Metrics {
    return { counters: Object.fromEntries(this.#counters) };
  }

  /**
   * Starts the bus (the first publish does it too) and resolves once the
   * events published before it ran were emitted. Not in the legacy API.
   */
  start(): Promise<void> {
    return this.bus.start();
  }

  /** Stops the bus, draining in-flight deliveries. Not in the legacy API. */
  stop(): Promise<void> {
    return this.bus.stop();
  }
}

function bytesOf(payload: string | Uint8Array): Uint8Array {
  if (typeof payload === 'string') return utf8.encode(payload);
  if (payload instanceof Uint8Array) return Uint8Array.from(payload);
  throw new BusError('ENCODE_FAILED', `encryptPayload() takes a string or bytes, got ${payload === null ? 'null' : typeof payload}.`);
}
