/**
 * The legacy SRE `ObservabilityEventBus`: publish queues, `process()` applies
 * extensions and dispatches through a real bus to wildcard subscribers, with a
 * dead-letter queue, runtime config, persist and replay, and a cluster leader.
 */

import { BoundedBuffer } from '@bus/backpressure';
import {
  type Bus,
  BusError,
  type BusErrorCode,
  createBus,
  createEventId,
  isThenable,
  type Kernel,
  type Logger,
  type SubscriptionHandle,
} from '@bus/core';
import { createEnvelope, kernelOf } from '@bus/core/plugin-kit';
import { type Codec, jsonCodec } from '@bus/serialization';
import { patternEndingAtHash, topics } from '@bus/topics';
import { type QueuedEvent, readJsonLines, writeJsonLines } from './json-lines-file.js';
import { checkConfig, checkConfigEntry, type ObservabilityConfig, type ObservabilityConfigKey } from './observability-config.js';

/**
 * A wildcard subscriber: it receives the topic and the event (not an envelope).
 *
 * A returned promise is awaited (its rejection is a handler failure); any other
 * returned value is ignored, as the legacy bus ignored it.
 *
 * @example
 * ```ts
 * const onAlert: WildcardHandler<{ level: string }> = (topic, event) => pager.send(topic, event.level);
 * ```
 */
export type WildcardHandler<T = unknown> = (topic: string, event: T) => unknown;

/**
 * An extension: `process()` calls it with each event before dispatch and
 * dispatches what it returns (return the event, even when you changed it in place).
 *
 * @example
 * ```ts
 * const stamp: Extension = (event, topic) => ({ ...(event as object), region: 'eu-west-1', topic });
 * ```
 */
export type Extension = (event: unknown, topic: string) => unknown;

/**
 * What `registerCrypto` takes: `encrypt` gets the event as a JSON string,
 * and `decrypt` must give that string (or its UTF-8 bytes) back.
 *
 * @example
 * ```ts
 * const reverse: ObservabilityCrypto = {
 *   encrypt: (data: string) => [...data].reverse().join(''),
 *   decrypt: (data: string) => [...data].reverse().join(''),
 * };
 * ```
 */
export interface ObservabilityCrypto {
  /** Encrypts the JSON text of an event. */
  encrypt(data: string): unknown;
  /** Decrypts what `encrypt` returned, back to the JSON text (a string or UTF-8 bytes). */
  decrypt(data: unknown): unknown;
}

/**
 * What `registerSerializer` takes: any object with both methods.
 *
 * @example
 * ```ts
 * const dumb: ObservabilitySerializer = {
 *   serialize: (event) => String((event as { v: number }).v),
 *   deserialize: (data) => ({ v: Number(data) }),
 * };
 * ```
 */
export interface ObservabilitySerializer {
  /** Turns an event into its raw form. */
  serialize(event: unknown): unknown;
  /** Turns the raw form back into an event. */
  deserialize(data: unknown): unknown;
}

/**
 * Options of {@link ObservabilityEventBus.publish}.
 *
 * @example
 * ```ts
 * bus.publish('alerts.db', alert, { encrypt: true, serializer: 'compact' });
 * ```
 */
export interface ObservabilityPublishOptions {
  /** Round-trip the event as JSON through the registered crypto module. Default `false`. */
  readonly encrypt?: boolean | undefined;
  /** Round-trip the event through the serializer registered under this name. */
  readonly serializer?: string | null | undefined;
}

/**
 * Options of {@link ObservabilityEventBus.persistAndReplay}.
 *
 * @example
 * ```ts
 * await bus.persistAndReplay({ file: '/var/lib/sre/events.log', subscriber: (topic, event) => console.log(topic, event) });
 * ```
 */
export interface PersistAndReplayOptions {
  /** Called with each record read back, in order. */
  readonly subscriber?: WildcardHandler | null | undefined;
  /** The file to write and read; default `config.persistFile`. */
  readonly file?: string | null | undefined;
}

/**
 * An entry of the dead-letter queue: `{ topic, event }` for an event a full
 * `'reject'` queue refused, `{ topic, error }` (the error message) for a
 * subscriber that failed.
 *
 * @example
 * ```ts
 * for (const entry of bus.deadLetterQueue) console.warn(entry.topic, 'error' in entry ? entry.error : 'rejected');
 * ```
 */
export type DeadLetterEntry = { readonly topic: string; readonly event: unknown } | { readonly topic: string; readonly error: string };

/**
 * A cluster node id for {@link ObservabilityEventBus.clusterDeploy}: numbers or strings.
 *
 * @example
 * ```ts
 * const nodes: ClusterNode[] = ['node-b', 'node-a'];
 * ```
 */
export type ClusterNode = number | string;

/**
 * Options of `new ObservabilityEventBus(config, options)`: what the legacy constructor had no parameter for.
 *
 * @example
 * ```ts
 * const bus = new ObservabilityEventBus({ queueSize: 1000 }, { logger: pino() });
 * ```
 */
export interface ObservabilityBusOptions {
  /** The bus's logger (`createBus({ logger })`): pino, `console`, or any `Logger`. Default `consoleLogger()` of `@bus/core`. */
  readonly logger?: Logger | undefined;
}

/** What the facade reports through: the kernel's rule for who handles a signal. */
type Reports = Pick<Kernel, 'report' | 'drop'>;

const SOURCE = 'sre/observability-bus';
const ENVELOPE_DEFAULTS = Object.freeze({ source: SOURCE, createId: createEventId });

/**
 * The SRE observability bus. `publish` only queues (a bounded
 * `BoundedBuffer` from `@bus/backpressure`, policy `drop_oldest`, `reject`
 * or block); `process()` drains the queue in order, runs the extensions and
 * publishes each event through the underlying bus to every wildcard
 * subscriber whose pattern matches (`*` one segment, `#` the rest, zero
 * included). A subscriber that throws adds `{ topic, error }` to
 * `deadLetterQueue`; the others still get the event.
 *
 * The underlying bus is `bus` (`@bus/core` with `@bus/topics`), created with
 * `autoStart`: it starts itself on the first `process()` (or on any call made
 * on it), so plugins can be added with `bus.use()` until then.
 *
 * @example
 * ```ts
 * const bus = new ObservabilityEventBus({ queueSize: 1000, backpressurePolicy: 'drop_oldest' });
 * bus.subscribeWildcard('service.*.prod', (topic, event) => console.log(topic, event));
 * bus.publish('service.auth.prod', { latencyMs: 12 }); // queued
 * await bus.process(); // delivered
 * ```
 */
export class ObservabilityEventBus {
  /**
   * The underlying bus (`createBus().use(topics())`): add plugins with
   * `bus.use()` right after construction, subscribe to envelopes, or listen to
   * `bus.events` (queue drops are signalled as `dropped`).
   */
  readonly bus: Bus;
  /** The configuration, as given and as changed by `updateConfigAtRuntime`. */
  readonly config: ObservabilityConfig;
  /** Refused events (`{ topic, event }`) and subscriber failures (`{ topic, error }`), oldest first. */
  readonly deadLetterQueue: DeadLetterEntry[] = [];
  /** Kept for compatibility: stored, not used (as in the legacy bus). */
  batchSize: number | null;
  /** The leader chosen by the last `clusterDeploy`; `undefined` before one. */
  leader: ClusterNode | null | undefined;
  /** The nodes given to the last `clusterDeploy`. */
  clusterNodes: ClusterNode[] = [];

  readonly #pending: BoundedBuffer<QueuedEvent>;
  #bpPolicy: string | null;
  #crypto: ObservabilityCrypto | undefined;
  readonly #serializers = new Map<string, ObservabilitySerializer>();
  readonly #extensions: Extension[] = [];
  readonly #json: Codec = jsonCodec();
  #processing: Promise<void> | undefined;
  /** The kernel's reporting, taken by the facade's plugin: `bus.events`, and the logger when unhandled. */
  readonly #reports: Reports;

  constructor(config?: ObservabilityConfig | null, options: ObservabilityBusOptions = {}) {
    this.config = checkConfig(config);
    this.#bpPolicy = this.config.backpressurePolicy ?? null;
    this.batchSize = this.config.batchSize ?? null;
    this.#pending = new BoundedBuffer<QueuedEvent>({ capacity: this.config.queueSize ?? Number.POSITIVE_INFINITY, policy: 'reject' });
    this.#applyPolicy();
    this.bus = createBus({ source: SOURCE, autoStart: true, ...(options.logger === undefined ? {} : { logger: options.logger }) }).use(
      topics(),
    );
    this.#reports = kernelOf(this.bus, 'sre');
    this.bus.events.on('failed', (error, event) => {
      this.deadLetterQueue.push({ topic: event.type, error: error.message });
    });
  }

  /** Starts the underlying bus if it has not started (it also starts itself on first use); resolves once it has. */
  get ready(): Promise<void> {
    return this.bus.start();
  }

  /** The queue's capacity; `null` for no limit. Setting it checks the value. */
  get queueSize(): number | null {
    const capacity = this.#pending.capacity;
    return capacity === Number.POSITIVE_INFINITY ? null : capacity;
  }

  set queueSize(queueSize: number | null) {
    checkConfigEntry('queueSize', queueSize);
    this.#pending.capacity = queueSize ?? Number.POSITIVE_INFINITY;
  }

  /** The backpressure policy: `'drop_oldest'`, `'reject'`, or anything else (block, which throws). Setting it checks the value. */
  get bpPolicy(): string | null {
    return this.#bpPolicy;
  }

  set bpPolicy(policy: string | null) {
    checkConfigEntry('backpressurePolicy', policy);
    this.#bpPolicy = policy ?? null;
    this.#applyPolicy();
  }

  /** How many events wait for `process()`. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Delivers events whose topic matches `pattern` (`*` one segment, `#` the rest) to `handler(topic, event)`. */
  subscribeWildcard<T = unknown>(pattern: string, handler: WildcardHandler<T>): SubscriptionHandle {
    const translated = patternEndingAtHash(pattern);
    if (typeof handler !== 'function') {
      throw new BusError('INVALID_SUBSCRIPTION', `subscribeWildcard('${pattern}') needs a handler function.`);
    }
    return this.bus.subscribe<T>(
      translated,
      (event) => {
        const result = handler(event.type, event.data);
        return isThenable(result) ? Promise.resolve(result).then(noop) : undefined;
      },
      { name: pattern },
    );
  }

  /** Sets the crypto module used by `publish(…, { encrypt: true })`. */
  registerCrypto(crypto: ObservabilityCrypto): void {
    if (typeof crypto !== 'object' || crypto === null || typeof crypto.encrypt !== 'function' || typeof crypto.decrypt !== 'function') {
      throw new BusError('CONFIG_INVALID', 'registerCrypto() needs an object with encrypt(data) and decrypt(data) methods.');
    }
    this.#crypto = crypto;
  }

  /** Registers `serializer` under `name`, for `publish(…, { serializer: name })`. */
  registerSerializer(name: string, serializer: ObservabilitySerializer): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new BusError('CONFIG_INVALID', 'registerSerializer(name, serializer) needs a non-empty name.');
    }
    if (
      typeof serializer !== 'object' ||
      serializer === null ||
      typeof serializer.serialize !== 'function' ||
      typeof serializer.deserialize !== 'function'
    ) {
      throw new BusError('CONFIG_INVALID', `registerSerializer('${name}') needs serialize(event) and deserialize(data) methods.`);
    }
    this.#serializers.set(name, serializer);
  }

  /** Adds an extension; `process()` runs them in registration order on every event. */
  registerExtension(extension: Extension): void {
    if (typeof extension !== 'function') {
      throw new BusError('CONFIG_INVALID', 'registerExtension(extension) needs a function (event, topic) => event.');
    }
    this.#extensions.push(extension);
  }

  /**
   * Queues `event` for `topic`; nothing is delivered until `process()`.
   * Returns `true` when queued. When the queue is full: `'drop_oldest'` drops
   * the oldest queued event; `'reject'` adds `{ topic, event }` to
   * `deadLetterQueue` and returns `false`; any other policy throws `BusError`
   * `BACKPRESSURE_REJECTED`. With `encrypt`, the event makes a JSON round
   * trip through the crypto module; with `serializer`, one through that serializer.
   */
  publish(topic: string, event: unknown, options: ObservabilityPublishOptions = {}): boolean {
    if (typeof topic !== 'string' || topic.length === 0) {
      throw new BusError('INVALID_EVENT', `publish() needs a non-empty topic string, got ${describe(topic)}.`);
    }
    const serializer = this.#serializerFor(options);
    const encrypt = options.encrypt ?? false;
    if (typeof encrypt !== 'boolean') throw new BusError('INVALID_EVENT', `publish(): encrypt must be a boolean, got ${typeof encrypt}.`);

    // The policy decides before any work, as in the legacy bus.
    if (this.#pending.full && this.#bpPolicy !== 'drop_oldest') {
      if (this.#bpPolicy === 'reject') {
        this.deadLetterQueue.push({ topic, event });
        this.#signalDropped({ topic, event }, 'reject');
        return false;
      }
      throw new BusError(
        'BACKPRESSURE_REJECTED',
        `Backpressure reject: the queue holds ${this.#pending.size} of ${this.#pending.capacity} events and the policy ${JSON.stringify(this.#bpPolicy)} blocks, which cannot wait here. Call process(), raise queueSize, or use 'drop_oldest' or 'reject'.`,
        { details: { topic, queueSize: this.#pending.capacity, policy: this.#bpPolicy } },
      );
    }

    let value = encrypt ? this.#cryptoRoundTrip(topic, event) : event;
    if (serializer !== undefined) value = serializerRoundTrip(topic, value, serializer);

    const outcome = this.#pending.offer({ topic, event: value });
    if (!outcome.accepted) {
      this.#signalDropped({ topic, event: value }, 'drop-oldest');
      return false;
    }
    // A queue shrunk below its size loses its oldest first, each one signalled.
    for (const evicted of outcome.evicted) this.#signalDropped(evicted, 'drop-oldest');
    return true;
  }

  /** The same as {@link ObservabilityEventBus.publish} (the legacy batch mode queued one event). */
  batchPublish(topic: string, event: unknown, options: ObservabilityPublishOptions = {}): boolean {
    return this.publish(topic, event, options);
  }

  /**
   * Drains the queue, oldest first (events queued meanwhile included): runs
   * the extensions on each event, then publishes it through the bus to the
   * matching subscribers and waits for them. An extension that throws is
   * skipped (as in the legacy bus) and reported on `bus.events` `error`.
   */
  process(): Promise<void> {
    this.#processing ??= this.#drain().finally(() => {
      this.#processing = undefined;
    });
    return this.#processing;
  }

  /** Sets `config[key]` and applies it: `queueSize`, `backpressurePolicy` and `batchSize` take effect at once. */
  updateConfigAtRuntime<K extends ObservabilityConfigKey>(key: K, value: ObservabilityConfig[K]): void {
    checkConfigEntry(key, value);
    if (key === 'queueSize') this.queueSize = (value as number | null | undefined) ?? null;
    if (key === 'backpressurePolicy') this.bpPolicy = (value as string | null | undefined) ?? null;
    if (key === 'batchSize') this.batchSize = (value as number | null | undefined) ?? null;
    this.config[key] = value;
  }

  /**
   * Writes the queued events (not yet processed) to `file` (default
   * `config.persistFile`) as JSON lines, replacing it, then reads it back,
   * calls `subscriber(topic, event)` for each record and returns the records.
   * Without a file it does nothing and returns `[]`, as in the legacy bus.
   */
  async persistAndReplay(options: PersistAndReplayOptions = {}): Promise<QueuedEvent[]> {
    if (typeof options !== 'object' || options === null) {
      throw new BusError('CONFIG_INVALID', 'persistAndReplay(options) takes an options object.');
    }
    const { subscriber } = options;
    if (subscriber !== undefined && subscriber !== null && typeof subscriber !== 'function') {
      throw new BusError('CONFIG_INVALID', 'persistAndReplay({ subscriber }) needs a function (topic, event) => void.');
    }
    const file = options.file ?? this.config.persistFile;
    if (file !== undefined && file !== null && typeof file !== 'string') {
      throw new BusError('CONFIG_INVALID', `persistAndReplay({ file }) needs a path string, got ${typeof file}.`);
    }
    if (!file) return [];
    await writeJsonLines(file, this.#pending.toArray());
    const records = await readJsonLines(file);
    if (subscriber) for (const { topic, event } of records) await subscriber(topic, event);
    return records;
  }

  /** Sets `clusterNodes` and `leader` (the smallest node; `null` for none) and returns the leader. */
  clusterDeploy<N extends ClusterNode>(nodes: readonly N[]): N | null {
    if (!Array.isArray(nodes)) throw new BusError('CONFIG_INVALID', 'clusterDeploy(nodes) needs an array of node ids.');
    const numbers = nodes.every((node) => typeof node === 'number' && !Number.isNaN(node));
    if (!numbers && !nodes.every((node) => typeof node === 'string')) {
      throw new BusError('CONFIG_INVALID', 'clusterDeploy(nodes) needs node ids that are all numbers or all strings.');
    }
    let leader: N | null = null;
    for (const node of nodes) if (leader === null || node < leader) leader = node;
    this.leader = leader;
    this.clusterNodes = [...nodes];
    return leader;
  }

  async #drain(): Promise<void> {
    await this.ready;
    for (let queued = this.#pending.shift(); queued !== undefined; queued = this.#pending.shift()) {
      const { topic } = queued;
      let event = queued.event;
      for (const extension of this.#extensions) {
        try {
          event = await extension(event, topic);
        } catch (error) {
          this.#signalError(BusError.from(error, 'HANDLER_FAILED'), `an extension failed on '${topic}'; the event went on without it`);
        }
      }
      try {
        await this.bus.publish(topic, event);
      } catch (error) {
        // Refused by a plugin on `bus` (an ACL, a schema): recorded like a failed subscriber.
        this.deadLetterQueue.push({ topic, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  #serializerFor(options: ObservabilityPublishOptions): ObservabilitySerializer | undefined {
    if (typeof options !== 'object' || options === null) {
      throw new BusError('INVALID_EVENT', 'publish(topic, event, options) takes an options object as its third argument.');
    }
    const name = options.serializer;
    if (name === undefined || name === null) return undefined;
    const serializer = typeof name === 'string' ? this.#serializers.get(name) : undefined;
    if (serializer === undefined) {
      throw new BusError(
        'CONFIG_INVALID',
        `No serializer is registered as ${JSON.stringify(name) ?? String(name)}: call registerSerializer() first (the legacy bus skipped unknown names silently).`,
      );
    }
    return serializer;
  }

  #cryptoRoundTrip(topic: string, event: unknown): unknown {
    const crypto = this.#crypto;
    if (crypto === undefined) {
      throw new BusError(
        'CONFIG_INVALID',
        `publish('${topic}', …, { encrypt: true }) needs a crypto module: call registerCrypto() first (the legacy bus silently skipped encryption).`,
      );
    }
    const text = new TextDecoder().decode(this.#json.encode(event));
    const sealed = attempt('ENCODE_FAILED', topic, 'encrypt', () => crypto.encrypt(text));
    const opened = attempt('DECRYPT_FAILED', topic, 'decrypt', () => crypto.decrypt(sealed));
    if (typeof opened === 'string') return this.#json.decode(new TextEncoder().encode(opened));
    if (opened instanceof Uint8Array) return this.#json.decode(opened);
    throw new BusError(
      'DECRYPT_FAILED',
      `The crypto module's decrypt() gave ${typeof opened} for '${topic}'; it must give the JSON text back.`,
    );
  }

  #applyPolicy(): void {
    this.#pending.policy = this.#bpPolicy === 'drop_oldest' ? 'drop-oldest' : 'reject';
  }

  /** On `bus.events` `'dropped'`, the logger when unhandled (the legacy publish did not throw). */
  #signalDropped(queued: QueuedEvent, policy: 'drop-oldest' | 'reject'): void {
    const event = createEnvelope(queued.topic, queued.event, undefined, ENVELOPE_DEFAULTS);
    const error = new BusError('BACKPRESSURE_REJECTED', `The queue is full (${this.#pending.capacity}); policy ${policy}.`, {
      eventId: event.id,
      details: { policy },
    });
    this.#reports.drop({ event, error });
  }

  /** On `bus.events` `'error'`, the logger when unhandled. */
  #signalError(error: BusError, what: string): void {
    this.#reports.report(new BusError(error.code, `${what}: ${error.message}`, { cause: error }), error.code);
  }
}

function serializerRoundTrip(topic: string, event: unknown, serializer: ObservabilitySerializer): unknown {
  const raw = attempt('ENCODE_FAILED', topic, 'serialize', () => serializer.serialize(event));
  return attempt('DECODE_FAILED', topic, 'deserialize', () => serializer.deserialize(raw));
}

function attempt<R>(code: BusErrorCode, topic: string, step: string, work: () => R): R {
  try {
    return work();
  } catch (error) {
    if (BusError.is(error)) throw error;
    throw new BusError(code, `${step}() failed for '${topic}': ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return 'an empty string';
  return value === null ? 'null' : typeof value;
}

function noop(): void {}
