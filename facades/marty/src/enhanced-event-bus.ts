/**
 * `EnhancedEventBus` (enhanced_event_bus.py) wired onto `@bus/core`,
 * `@bus/serialization`, `@bus/kafka` (the legacy record: topic
 * `event_type.replace('.', '_').lower()`, key = event id, value = the Python
 * JSON, no headers) and `@bus/outbox` (transactional, scheduled and dead-letter
 * parts). Handlers of one type share one Kafka consumer in `consumerGroupId`.
 */
import { randomUUID } from 'node:crypto';
import { backpressure } from '@bus/backpressure';
import {
  type Bus,
  consoleLogger,
  createBus,
  type EventEnvelope,
  type Logger,
  type PublishOptions,
  type SubscriptionHandle,
} from '@bus/core';
import { kafka, plainValueBinding } from '@bus/kafka';
import { type OutboxControls, outbox } from '@bus/outbox';
import { retryOperation } from '@bus/resilience';
import { serialization } from '@bus/serialization';
import { BaseEvent } from './base-event.js';
import type { DeliveryGuarantee } from './enums.js';
import { OutboxError } from './errors.js';
import type { EventFilter } from './event-filter.js';
import { type EventHandler, PluginEventHandler } from './event-handler.js';
import { EVENT_REGISTRY } from './event-registry.js';
import { KafkaConfig, kafkaOptionsOf } from './kafka-config.js';
import { type OutboxConfig, outboxOptionsOf } from './outbox-config.js';

/**
 * The bus options of {@link EnhancedEventBus} (Python's keyword arguments; times in ms). `outboxConfig` enables
 * `publishTransactional`, `publishScheduled` and the dead letters; `logger` is the bus's (pino and console fit).
 * `maxRetries` (3), `retryDelay` (1 000), `batchSize` (100), `batchTimeout` (5 000), `enableDlq` (true) and
 * `dlqTopicSuffix` ('.dlq') are kept and, as in Python, never read: attempts and batches come from the `OutboxConfig`.
 */
export type EnhancedEventBusOptions = {
  outboxConfig?: OutboxConfig | null;
  logger?: Logger;
  enableDlq?: boolean;
  dlqTopicSuffix?: string;
} & {
  [K in 'maxRetries' | 'retryDelay' | 'batchSize' | 'batchTimeout']?: number;
};

/**
 * Options of `publish` and `publishBatch`: `deliveryGuarantee` is recorded only (Kafka with `acks=all` and the
 * idempotent producer is at-least-once); `delay` only logged a warning in Python, and here (use `publishScheduled`).
 */
export type PublishEventOptions = { deliveryGuarantee?: DeliveryGuarantee; delay?: number | null };

/** What `getDeadLetters()` lists (Python's `DeadLetterEvent` columns; `id` is its uuid); `retryDeadLetter` takes the `id`. */
export type DeadLetterInfo = { id: string; originalEventId: string; eventType: string; failureReason: string; failedAt: Date } & {
  attemptsMade: number;
  canRetry: boolean;
  sourceService: string | null;
};

/** What `healthCheck()` returns (Python's keys, camelCase). */
export type HealthCheck = { status: 'healthy' | 'stopped'; backend: 'kafka'; activeTopics: string[] } & {
  [K in 'handlersCount' | 'pluginHandlersCount' | 'kafkaConsumersCount']: number;
} & { [K in 'kafkaProducerRunning' | 'outboxEnabled' | 'outboxProcessorRunning']: boolean };

type Subscribed = { readonly handler: EventHandler; readonly filter: EventFilter | null };

/** The CloudEvents `source` of events without a `sourceService`. */
const SOURCE = 'marty';

/** The legacy topic of an event type. */
export const legacyTopic = (eventType: string): string => eventType.replaceAll('.', '_').toLowerCase();

/**
 * Marty's enhanced event bus on Kafka, with the transactional outbox when an
 * `outboxConfig` is given.
 *
 * @example
 * ```ts
 * const bus = new EnhancedEventBus(new KafkaConfig({ bootstrapServers: ['127.0.0.1:9092'] }), {
 *   outboxConfig: new OutboxConfig('postgresql://postgres@127.0.0.1:5432/users'),
 * });
 * await bus.start();
 * await bus.publish(new BaseEvent({ eventType: 'user.created', data: { id: 'u-1' } }));
 * ```
 */
export class EnhancedEventBus {
  readonly kafkaConfig: KafkaConfig;
  readonly outboxConfig: OutboxConfig | null;
  /** The options as given (`maxRetries` … `dlqTopicSuffix` are kept and, as in Python, never read). */
  readonly options: Readonly<EnhancedEventBusOptions>;
  /** The logger given, or the kernel's console logger. */
  readonly logger: Logger;
  /** The bus underneath, for plugins of your own (`.use()` before `start()`). */
  readonly bus: Bus;
  readonly #outbox: OutboxControls | undefined;
  readonly #subscriptions = new Map<string, Subscribed>();
  readonly #consumers = new Map<string, SubscriptionHandle>();
  #running = false;

  constructor(kafkaConfig: KafkaConfig = new KafkaConfig(), options: EnhancedEventBusOptions = {}) {
    this.kafkaConfig = kafkaConfig;
    this.outboxConfig = options.outboxConfig ?? null;
    this.options = options;
    this.logger = options.logger ?? consoleLogger();
    // One record at a time per type's consumer, as Python's consumer loop ran them; a backlog starts the highest
    // EventPriority first (the envelope's `priority`), per @bus/backpressure's rule (no starvation).
    const bus = createBus({ source: SOURCE, logger: this.logger })
      .use(serialization())
      .use(backpressure({ defaults: { concurrency: 1, capacity: kafkaConfig.maxPollRecords, policy: 'block' } }))
      .use(
        kafka({
          ...kafkaOptionsOf(kafkaConfig),
          topicFor: legacyTopic,
          binding: plainValueBinding({ jsonAttributes: { id: 'metadata.event_id', priority: 'metadata.priority' } }),
        }),
      );
    this.#outbox = this.outboxConfig === null ? undefined : bus.use(outbox(outboxOptionsOf(this.outboxConfig))).outbox;
    this.bus = bus;
  }

  /** Connects the producer, the consumers of the handlers subscribed so far, and the outbox relay. */
  async start(): Promise<void> {
    if (this.#running) return;
    await this.bus.start();
    this.#running = true;
  }

  /** Stops consuming, drains the sends in flight and the relay's round, and disconnects. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    await this.bus.stop();
  }

  /** Sends `event` to its topic; rejects "Event bus is not running" before `start()`. */
  async publish(event: BaseEvent, options: PublishEventOptions = {}): Promise<void> {
    this.#assertRunning();
    const { delay } = options;
    if (delay !== undefined && delay !== null) this.logger.warn({ delay }, 'publish(delay) is unsupported: use publishScheduled.');
    await send(this.bus, event);
  }

  /** Sends the events concurrently (Python's gather); they share produce requests. */
  async publishBatch(events: readonly BaseEvent[], _options: PublishEventOptions = {}): Promise<void> {
    this.#assertRunning();
    await Promise.all(events.map((event) => send(this.bus, event)));
  }

  /** Writes `event` to the outbox in `session`, the caller's open transaction (a pg client after BEGIN, a DatabaseSync inside BEGIN). */
  async publishTransactional(event: BaseEvent, session: unknown, _options: PublishEventOptions = {}): Promise<void> {
    this.#requireOutbox('publishTransactional');
    await send(this.bus, event, { tx: session });
  }

  /** Tries `publish` up to `maxRetries` times, waiting `backoffFactor·2^attempt` ms between tries; rejects with the last error. */
  async publishWithRetry(event: BaseEvent, options: { maxRetries?: number; backoffFactor?: number } = {}): Promise<void> {
    await retryOperation(() => this.publish(event), {
      maxAttempts: options.maxRetries ?? 3,
      initialDelayMs: options.backoffFactor ?? 1_000,
      jitter: false,
      retryable: () => true,
    });
  }

  /** Sends `event` no earlier than `scheduledFor` through the outbox (in `session` if given); a past time sends now. */
  async publishScheduled(event: BaseEvent, scheduledFor: Date, options: { session?: unknown } = {}): Promise<void> {
    this.#requireOutbox('publishScheduled');
    const { session } = options;
    if (scheduledFor.getTime() <= Date.now()) return this.#publishIn(event, session);
    await send(this.bus, event, { deliverAt: scheduledFor, ...(session === undefined || session === null ? {} : { tx: session }) });
  }

  /** Publishes `{aggregateType}.{eventType}` with data `{ aggregate_type, aggregate_id, version, ...eventData }`, correlated by the aggregate id. */
  async publishDomainAggregateEvent(
    aggregateType: string,
    aggregateId: string,
    eventType: string,
    eventData: Record<string, unknown>,
    options: { version?: number } = {},
  ): Promise<void> {
    const data = { aggregate_type: aggregateType, aggregate_id: aggregateId, version: options.version ?? 1, ...eventData };
    await this.publish(new BaseEvent({ eventType: `${aggregateType}.${eventType}`, data, correlationId: aggregateId }));
  }

  /** Publishes `saga.{sagaType}.{eventType}` correlated by the saga id, through `publishTransactional` when a session is given. */
  async publishSagaEvent(
    sagaId: string,
    sagaType: string,
    eventType: string,
    eventData: Record<string, unknown>,
    options: { session?: unknown } = {},
  ): Promise<void> {
    const data = { saga_id: sagaId, saga_type: sagaType, ...eventData };
    await this.#publishIn(new BaseEvent({ eventType: `saga.${sagaType}.${eventType}`, data, correlationId: sagaId }), options.session);
  }

  /** `publishTransactional` in `session`, or `publish` without one. */
  #publishIn(event: BaseEvent, session: unknown): Promise<void> {
    return session === undefined || session === null ? this.publish(event) : this.publishTransactional(event, session);
  }

  /** Subscribes `handler` to its `eventTypes` (`'*'`: every type this bus consumes); resolves to the subscription id. */
  async subscribe(handler: EventHandler, options: { eventFilter?: EventFilter | null } = {}): Promise<string> {
    const id = randomUUID();
    this.#subscriptions.set(id, { handler, filter: options.eventFilter ?? null });
    for (const type of handler.eventTypes) {
      if (type === '*' || this.#consumers.has(type)) continue;
      const consumer = this.bus.subscribe(type, (envelope) => this.#dispatch(envelope), {
        group: this.kafkaConfig.consumerGroupId,
        name: `marty:${type}`,
      });
      this.#consumers.set(type, consumer);
    }
    this.logger.info({ handlerId: handler.handlerId, eventTypes: handler.eventTypes }, `Subscribed handler ${handler.handlerId}`);
    return id;
  }

  /** Removes a subscription; a type's consumer stops with its last handler. Resolves to false for an unknown id. */
  async unsubscribe(subscriptionId: string): Promise<boolean> {
    const subscribed = this.#subscriptions.get(subscriptionId);
    if (subscribed === undefined) return false;
    this.#subscriptions.delete(subscriptionId);
    const stillWanted = new Set([...this.#subscriptions.values()].flatMap(({ handler }) => handler.eventTypes));
    for (const type of subscribed.handler.eventTypes) {
      const consumer = this.#consumers.get(type);
      if (consumer === undefined || stillWanted.has(type)) continue;
      this.#consumers.delete(type);
      await consumer.unsubscribe();
    }
    return true;
  }

  /** Subscribes `handlerFunc` as a fault-isolated plugin handler; resolves to the subscription id. */
  async subscribePlugin(
    pluginId: string,
    pluginName: string,
    eventFilter: EventFilter,
    handlerFunc: (event: BaseEvent) => unknown,
    options: { priority?: number; maxConcurrent?: number } = {},
  ): Promise<string> {
    const handler = new PluginEventHandler(pluginId, pluginName, eventFilter, handlerFunc, options);
    return this.subscribe(handler, { eventFilter });
  }

  /** Removes a plugin's subscription; false if it had none. */
  async unsubscribePlugin(pluginId: string): Promise<boolean> {
    const plugin = (handler: EventHandler) => handler instanceof PluginEventHandler && handler.pluginId === pluginId;
    const id = [...this.#subscriptions].find(([, { handler }]) => plugin(handler))?.[0];
    return id !== undefined && this.unsubscribe(id);
  }

  /** Dead-lettered outbox rows, newest first (none without an outbox or with the dead-letter queue disabled). */
  async getDeadLetters(options: { limit?: number; eventType?: string | null } = {}): Promise<DeadLetterInfo[]> {
    if (this.#outbox === undefined || this.outboxConfig?.enableDeadLetterQueue === false) return [];
    const type = options.eventType ?? undefined;
    const letters = await this.#outbox.deadLetters.list({ limit: options.limit ?? 100, newestFirst: true, ...(type ? { type } : {}) });
    return letters.map((letter) => ({
      id: letter.letterId ?? String(letter.seq),
      originalEventId: letter.envelope.id,
      eventType: letter.envelope.type,
      failureReason: letter.lastError,
      failedAt: new Date(letter.failedAt),
      attemptsMade: letter.attempts,
      canRetry: true,
      sourceService: letter.envelope.source === SOURCE ? null : letter.envelope.source,
    }));
  }

  /** Puts a dead letter's row back in the outbox (attempts reset): true once; false for an unknown or already retried id. */
  async retryDeadLetter(deadLetterId: number | string): Promise<boolean> {
    if (this.#outbox === undefined || this.outboxConfig?.enableDeadLetterQueue === false) return false;
    return (await this.#outbox.deadLetters.redrive({ letterIds: [String(deadLetterId)] })) === 1;
  }

  /** The bus's state, with Python's keys in camelCase. */
  async healthCheck(): Promise<HealthCheck> {
    const handlers = [...this.#subscriptions.values()];
    const plugins = handlers.filter(({ handler }) => handler instanceof PluginEventHandler).length;
    return {
      status: this.#running ? 'healthy' : 'stopped',
      backend: 'kafka',
      handlersCount: handlers.length - plugins,
      pluginHandlersCount: plugins,
      kafkaProducerRunning: this.#running,
      kafkaConsumersCount: this.#running ? this.#consumers.size : 0,
      activeTopics: [...this.#consumers.keys()].map(legacyTopic),
      outboxEnabled: this.#outbox !== undefined,
      outboxProcessorRunning: this.#running && this.#outbox !== undefined,
    };
  }

  /** Rebuilds the event of a consumed record and runs the handlers of its type and `'*'`, highest priority first. */
  async #dispatch(envelope: EventEnvelope): Promise<void> {
    const dict = envelope.data as Record<string, unknown>;
    const type = typeof dict?.event_type === 'string' ? dict.event_type : envelope.type;
    const event = ((EVENT_REGISTRY.get(type) ?? BaseEvent) as typeof BaseEvent).fromDict(dict);
    const handlers = [...this.#subscriptions.values()]
      .filter(({ handler }) => handler.eventTypes.includes(event.eventType) || handler.eventTypes.includes('*'))
      .sort((a, b) => b.handler.priority - a.handler.priority);
    for (const { handler, filter } of handlers) {
      if ((filter === null || filter.matches(event)) && handler.canHandle(event)) await handler.safeHandle(event);
    }
  }

  #assertRunning(): void {
    if (!this.#running) throw new Error('Event bus is not running');
  }

  #requireOutbox(method: string): void {
    if (this.#outbox === undefined)
      throw new OutboxError(`${method} needs an outboxConfig (new EnhancedEventBus(kafkaConfig, { outboxConfig })).`);
  }
}

/** The publish options of a Marty event: its id and time, key = id, the metadata's priority and ids. */
function optionsOf(event: BaseEvent, extra?: PublishOptions): PublishOptions {
  const { metadata } = event;
  const options: PublishOptions = {
    ...extra,
    id: event.eventId,
    source: metadata.sourceService ?? SOURCE,
    time: metadata.timestamp,
    key: event.eventId,
    priority: metadata.priority,
    datacontenttype: 'application/json',
  };
  if (metadata.correlationId !== null) options.correlationId = metadata.correlationId;
  if (metadata.causationId !== null) options.causationId = metadata.causationId;
  if (metadata.tenantId !== null) options.tenantId = metadata.tenantId;
  return options;
}

/** Publishes a Marty event (data = Python's JSON form) on `bus`. */
function send(bus: Bus, event: BaseEvent, extra?: PublishOptions): Promise<unknown> {
  return bus.publish(event.eventType, event.toJSON(), optionsOf(event, extra));
}
