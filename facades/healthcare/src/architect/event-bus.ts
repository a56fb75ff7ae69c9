/**
 * The healthcare architect's `EventBus`: the legacy names and order of steps,
 * with routing and delivery done by a real bus (`createBus().use(topics())`)
 * and the bounded queue by a `BoundedBuffer` of @bus/backpressure.
 */
import { BoundedBuffer } from '@bus/backpressure';
import {
  type Bus,
  BusError,
  createBus,
  createEventId,
  type EventEnvelope,
  isThenable,
  type Kernel,
  type Logger,
  type SubscriptionHandle,
} from '@bus/core';
import { assertEventType, createEnvelope, kernelOf } from '@bus/core/plugin-kit';
import { patternEndingAtHash, type TopicsExtension, topics } from '@bus/topics';
import { describe, stringList } from '../string-list.js';
import { type BackpressurePolicy, bufferPolicyOf, checkLimit } from './backpressure-policy.js';
import type { DeadLetter } from './dead-letter.js';
import { Event } from './event.js';
import type { CryptoModule, EventSerializer, Extension } from './hooks.js';

/** The CloudEvents `source` of the events this facade publishes. */
const SOURCE = 'healthcare-architect';

/**
 * Options of `new EventBus(options)`: what the legacy constructor had no parameter for.
 *
 * @example
 * ```ts
 * const hospital = new EventBus({ logger: pino() });
 * ```
 */
export interface ArchitectEventBusOptions {
  /** The bus's logger (`createBus({ logger })`): pino, `console`, or any `Logger`. Default `consoleLogger()` of `@bus/core`. */
  readonly logger?: Logger | undefined;
}

/** What the facade reports through: the kernel's rule for who handles a signal. */
type Reports = Pick<Kernel, 'report' | 'drop'>;

/**
 * The legacy `config` dict: `timeout` is set by `updateConfigAtRuntime`; other
 * keys are the caller's own.
 *
 * @example
 * ```ts
 * hospital.updateConfigAtRuntime({ timeout: 30 });
 * const config: ArchitectConfig = hospital.config; // { timeout: 30 }
 * ```
 */
export interface ArchitectConfig {
  /** The timeout given to `updateConfigAtRuntime` (stored, not enforced, as in the legacy bus). */
  timeout?: number;
  /** Any other setting of the caller's. */
  [setting: string]: unknown;
}

/**
 * Options of `updateConfigAtRuntime`; an absent (or `undefined`) option keeps its value.
 *
 * @example
 * ```ts
 * const options: UpdateConfigOptions = { backpressureLimit: 5, backpressurePolicy: 'reject', timeout: 30 };
 * ```
 */
export interface UpdateConfigOptions {
  /** The new queue limit (a whole number ≥ 0). */
  readonly backpressureLimit?: number | undefined;
  /** The new policy. */
  readonly backpressurePolicy?: BackpressurePolicy | undefined;
  /** Stored as `config.timeout` (a number ≥ 0). */
  readonly timeout?: number | undefined;
}

/**
 * Options of `persistAndReplay`.
 *
 * @example
 * ```ts
 * const options: ReplayOptions = { startIndex: 10 };
 * ```
 */
export interface ReplayOptions {
  /** The first persisted event to return; negative counts from the end, as a Python slice. Default `0`. */
  readonly startIndex?: number | undefined;
}

/**
 * What `clusterDeploy` sets as `.cluster`: the legacy `{'leader', 'replicated_stores'}` dict.
 *
 * @example
 * ```ts
 * const cluster: Cluster = hospital.clusterDeploy(['node-a', 'node-b']);
 * cluster.replicatedStores['node-b']?.length; // the queue's length when deployed
 * ```
 */
export interface Cluster {
  /** The first node, or `undefined` for no nodes. */
  readonly leader: string | undefined;
  /** Per node, its own copy of the queue at deploy time. */
  readonly replicatedStores: Readonly<Record<string, Event[]>>;
}

/**
 * The healthcare architect's event bus. `publish(event, topic)` runs the legacy
 * steps in order — missing payload → dead letter; backpressure; encrypt; queue;
 * persist; extensions — then delivers through {@link EventBus.bus}, where
 * wildcard subscriptions match as the legacy matcher did. Handler failures
 * become dead letters.
 *
 * Methods are the legacy ones in camelCase; `publish` and `batchPublish` return
 * promises (await them: the first one starts the bus).
 *
 * @example
 * ```ts
 * import { Event, EventBus } from '@bus/facade-healthcare/architect';
 *
 * const hospital = new EventBus();
 * hospital.subscribeWildcard('lab.*.result', (event) => console.log(event.id, event.payload));
 * hospital.applyBackpressure(1000, 'drop_oldest');
 * const result = new Event('lab-1', { patient: 'p-1', glucose: 7.2 }, 'lab.glucose.result');
 * await hospital.publish(result, result.routingKey);
 * ```
 */
export class EventBus {
  /**
   * The bus underneath: `createBus().use(topics())`. Add plugins with
   * `hospital.bus.use(...)` before the first `publish` (which starts it);
   * subscribe with `hospital.bus.subscribe(...)` to get CloudEvents envelopes.
   */
  readonly bus: Bus & TopicsExtension;
  /** Events that were not delivered, and why (the legacy `dead_letter_queue`). */
  deadLetterQueue: DeadLetter[] = [];
  /** Settings: `timeout` from `updateConfigAtRuntime`, and anything of the caller's. */
  config: ArchitectConfig = {};
  /** Set by `clusterDeploy`; `undefined` before. */
  cluster: Cluster | undefined;
  #crypto: CryptoModule | undefined;
  #limit: number | undefined;
  #policy: BackpressurePolicy | undefined;
  /** The queued events with the topic each was published to (a drop is reported under it). */
  readonly #queue = new BoundedBuffer<Queued>({ capacity: Number.POSITIVE_INFINITY });
  readonly #persisted: Event[] = [];
  readonly #serializers = new Map<string, EventSerializer>();
  readonly #extensions: Extension[] = [];
  /** The events whose handlers are running, by id: handlers get the very object that was published. */
  readonly #publishing = new Map<string, Event>();
  /** The kernel's reporting, taken by the facade's plugin: `bus.events`, and the logger when unhandled. */
  readonly #reports: Reports;

  /** A bus with no subscriptions, no backpressure, no crypto module. */
  constructor(options: ArchitectEventBusOptions = {}) {
    this.bus = createBus({ source: SOURCE, ...(options.logger === undefined ? {} : { logger: options.logger }) }).use(topics());
    this.#reports = kernelOf(this.bus, 'healthcare-architect');
    this.bus.events.on('failed', (error, envelope) => {
      this.deadLetterQueue.push({ event: this.#eventOf(envelope), reason: 'handler_exception', error });
    });
  }

  /**
   * The queue limit, or `undefined` for none (the legacy `backpressure_limit`).
   * It takes effect once a policy is set too. Setting it checks the value.
   */
  get backpressureLimit(): number | undefined {
    return this.#limit;
  }

  set backpressureLimit(limit: number | undefined) {
    this.#setBackpressure(limit === undefined ? undefined : checkLimit(limit), this.#policy);
  }

  /** The policy of a full queue, or `undefined` for none (then the queue is unbounded, as in the legacy bus). */
  get backpressurePolicy(): BackpressurePolicy | undefined {
    return this.#policy;
  }

  set backpressurePolicy(policy: BackpressurePolicy | undefined) {
    if (policy !== undefined) bufferPolicyOf(policy);
    this.#setBackpressure(this.#limit, policy);
  }

  /** The queued events, oldest first: a copy (the legacy `queue` list). */
  get queue(): readonly Event[] {
    return Array.from(this.#queue, (queued) => queued.event);
  }

  /**
   * Calls `handler` with every event published to a topic that `pattern`
   * matches: `*` is one word, `#` the rest of the topic (zero or more words;
   * words after a `#` are ignored, as in the legacy matcher). Returns the bus
   * subscription, whose `unsubscribe()` stops it.
   */
  subscribeWildcard<T = unknown>(pattern: string, handler: (event: Event<T>) => unknown): SubscriptionHandle {
    if (typeof handler !== 'function') {
      throw new BusError('INVALID_SUBSCRIPTION', `subscribeWildcard('${String(pattern)}') needs a handler function.`);
    }
    const eventOf = (envelope: EventEnvelope): Event => this.#eventOf(envelope);
    return this.bus.subscribe(
      patternEndingAtHash(pattern),
      function legacyHandler(envelope) {
        const result = handler(eventOf(envelope) as Event<T>);
        return isThenable(result) ? Promise.resolve(result).then(noop) : undefined;
      },
      { name: pattern },
    );
  }

  /** Encrypts every payload with `crypto.encrypt` before it is queued and delivered. */
  registerCryptoModule(crypto: CryptoModule): void {
    if (typeof crypto?.encrypt !== 'function') {
      throw new BusError('CONFIG_INVALID', 'registerCryptoModule() takes an object with an encrypt(payload) method.');
    }
    this.#crypto = crypto;
  }

  /** Bounds the queue to `limit` events; when full, `policy` drops the oldest or the new one. */
  applyBackpressure(limit: number, policy: BackpressurePolicy): void {
    bufferPolicyOf(policy);
    this.#setBackpressure(checkLimit(limit), policy);
  }

  /** Registers `serializer` under `name` for {@link EventBus.serialize}. */
  registerSerializer(name: string, serializer: EventSerializer): void {
    if (typeof name !== 'string' || typeof serializer?.serialize !== 'function') {
      throw new BusError(
        'CONFIG_INVALID',
        'registerSerializer(name, serializer) takes a name and an object with a serialize(event) method.',
      );
    }
    this.#serializers.set(name, serializer);
  }

  /**
   * Serializes `event` with the serializer registered as `name`. An unknown
   * name (the legacy `ValueError`) or a failing serializer throws a `BusError`
   * `ENCODE_FAILED`.
   */
  serialize(name: string, event: Event): unknown {
    const serializer = this.#serializers.get(name);
    if (serializer === undefined) {
      throw new BusError('ENCODE_FAILED', `Serializer '${name}' not found`, { eventId: event?.id, details: { serializer: name } });
    }
    try {
      return serializer.serialize(event);
    } catch (error) {
      throw BusError.from(error, 'ENCODE_FAILED', { eventId: event?.id });
    }
  }

  /**
   * Publishes `event` to `topic`. In order: a `null`/`undefined` payload goes to
   * the dead-letter queue (`missing_payload`); a full queue applies its policy
   * (a rejected event is dropped without an error, and reported on
   * `bus.events` `'dropped'`); the crypto module encrypts the payload; the event
   * is queued and persisted; extensions run; then the bus delivers it to the
   * matching subscriptions. Resolves once the handlers ran.
   */
  async publish(event: Event, topic: string): Promise<void> {
    checkEvent(event);
    assertEventType(topic, event.id);
    if (event.payload === null || event.payload === undefined) {
      this.deadLetterQueue.push({ event, reason: 'missing_payload' });
      return;
    }
    if (this.#queue.full && this.#queue.policy === 'reject') return this.#reportDropped(event, topic);
    if (this.#crypto !== undefined) {
      try {
        const ciphertext = this.#crypto.encrypt(event.payload, event);
        event.payload = isThenable(ciphertext) ? await ciphertext : ciphertext;
      } catch (error) {
        // Fail closed: an event whose encryption failed is never delivered in plaintext.
        this.deadLetterQueue.push({
          event,
          reason: 'encryption_failed',
          error: BusError.from(error, 'ENCODE_FAILED', { eventId: event.id }),
        });
        return;
      }
    }
    const queued = this.#queue.offer({ event, topic });
    if (!queued.accepted) return this.#reportDropped(event, topic);
    for (const evicted of queued.evicted) this.#reportDropped(evicted.event, evicted.topic);
    this.#persisted.push(event);
    for (const extension of this.#extensions) {
      const running = this.#runExtension(extension, event);
      if (running !== undefined) await running;
    }
    await this.#deliver(event, topic);
  }

  /** Publishes each event to its own `routingKey`, one after the other. */
  async batchPublish(events: Iterable<Event>): Promise<void> {
    if (typeof events !== 'object' || events === null || !(Symbol.iterator in events)) {
      throw new BusError('INVALID_EVENT', `batchPublish() takes an array of events, got ${describe(events)}.`);
    }
    for (const event of events) await this.publish(event, event?.routingKey);
  }

  /** Changes the backpressure limit and policy, and `config.timeout`; options left out keep their values. */
  updateConfigAtRuntime(options: UpdateConfigOptions = {}): void {
    const { backpressureLimit, backpressurePolicy, timeout } = options;
    // Check everything before changing anything.
    if (backpressureLimit !== undefined) checkLimit(backpressureLimit);
    if (backpressurePolicy !== undefined) bufferPolicyOf(backpressurePolicy);
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
      throw new BusError('CONFIG_INVALID', `The timeout must be a number ≥ 0, got ${describe(timeout)}.`);
    }
    this.#setBackpressure(backpressureLimit ?? this.#limit, backpressurePolicy ?? this.#policy);
    if (timeout !== undefined) this.config.timeout = timeout;
  }

  /** Sets `.cluster`: the first node leads, and every node gets a copy of the queue. Returns it. */
  clusterDeploy(nodes: readonly string[]): Cluster {
    const names = stringList(nodes, 'clusterDeploy(nodes)');
    const queue = this.queue;
    this.cluster = { leader: names[0], replicatedStores: Object.fromEntries(names.map((node) => [node, [...queue]])) };
    return this.cluster;
  }

  /** The persisted events from `startIndex` on (every queued event is persisted, in order). */
  persistAndReplay(options: ReplayOptions = {}): Event[] {
    const startIndex = options.startIndex ?? 0;
    if (!Number.isInteger(startIndex)) {
      throw new BusError('CONFIG_INVALID', `persistAndReplay({ startIndex }) must be a whole number, got ${describe(startIndex)}.`);
    }
    return this.#persisted.slice(startIndex);
  }

  /** Runs `extension` on every queued event, before its handlers. */
  registerExtension(extension: Extension): void {
    if (typeof extension !== 'function') throw new BusError('CONFIG_INVALID', 'registerExtension() takes a function of the event.');
    this.#extensions.push(extension);
  }

  #setBackpressure(limit: number | undefined, policy: BackpressurePolicy | undefined): void {
    // As in the legacy bus, a limit binds only together with a policy.
    this.#queue.capacity = limit === undefined || policy === undefined ? Number.POSITIVE_INFINITY : limit;
    this.#queue.policy = bufferPolicyOf(policy ?? 'reject');
    this.#limit = limit;
    this.#policy = policy;
  }

  /** Runs one extension; returns a promise only when the extension did. */
  #runExtension(extension: Extension, event: Event): Promise<void> | undefined {
    try {
      const result = extension(event);
      if (isThenable(result)) return Promise.resolve(result).then(noop, (error: unknown) => this.#extensionFailed(error, extension, event));
    } catch (error) {
      this.#extensionFailed(error, extension, event);
    }
    return undefined;
  }

  /** The legacy bus ignored extension errors; they stay visible on the bus's `'error'` signal (logged when unhandled). */
  #extensionFailed(error: unknown, extension: Extension, event: Event): void {
    this.#reports.report(
      BusError.from(error, 'HANDLER_FAILED', { eventId: event.id, details: { extension: extension.name } }),
      'HANDLER_FAILED',
    );
  }

  async #deliver(event: Event, topic: string): Promise<void> {
    if (this.bus.status !== 'started') await this.bus.start();
    this.#publishing.set(event.id, event);
    try {
      await this.bus.publish(topic, event.payload, { id: event.id, extensions: { routingkey: event.routingKey } });
    } finally {
      if (this.#publishing.get(event.id) === event) this.#publishing.delete(event.id);
    }
  }

  /** The event a delivery is about: the published object itself, unless a plugin replaced its data. */
  #eventOf(envelope: EventEnvelope): Event {
    const published = this.#publishing.get(envelope.id);
    if (published !== undefined && published.payload === envelope.data) return published;
    const routingKey = envelope.routingkey;
    return new Event(envelope.id, envelope.data, typeof routingKey === 'string' ? routingKey : envelope.type);
  }

  /** The legacy bus dropped without a word (publish does not throw); here `bus.events` `'dropped'` hears of it, the logger when unhandled. */
  #reportDropped(event: Event, topic: string): void {
    const envelope = createEnvelope(
      topic,
      event.payload,
      { id: event.id, extensions: { routingkey: event.routingKey } },
      { source: SOURCE, createId: createEventId },
    );
    const error = new BusError('BACKPRESSURE_REJECTED', `The queue is full (limit ${this.#limit}, policy ${this.#policy}).`, {
      eventId: event.id,
      details: { policy: this.#policy, limit: this.#limit },
    });
    this.#reports.drop({ event: envelope, error });
  }
}

/** A queued event and the topic it was published to. */
interface Queued {
  readonly event: Event;
  readonly topic: string;
}

/** Throws `INVALID_EVENT` unless `event` has a non-empty string id and a string routing key. */
function checkEvent(event: Event): void {
  if (typeof event !== 'object' || event === null || typeof event.id !== 'string' || event.id.length === 0) {
    throw new BusError('INVALID_EVENT', `publish() takes an Event with a non-empty string id, got ${describe(event)}.`);
  }
  if (typeof event.routingKey !== 'string') {
    throw new BusError('INVALID_EVENT', `Event ${event.id} needs a string routingKey, got ${describe(event.routingKey)}.`, {
      eventId: event.id,
    });
  }
}

function noop(): void {}
