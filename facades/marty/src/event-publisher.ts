/**
 * The legacy `EventPublisher` (publisher.py, removed in bb853b6) on
 * `@bus/kafka`: audit, notification, domain and custom events, each sent as
 * the snake_case envelope `{ metadata, event_type, payload }` to its
 * prefixed topic with the key Python chose. Starts lazily; a failed send
 * rejects with an `EventPublishingError` that carries the event id.
 */
import { type Bus, createBus } from '@bus/core';
import { kafka, plainValueBinding } from '@bus/kafka';
import { outbox, outboxStoreFor } from '@bus/outbox';
import { serialization } from '@bus/serialization';
import type { AuditEventType, NotificationEventType } from './enums.js';
import { EventPublishingError } from './errors.js';
import { EventConfig, kafkaOptionsOfEventConfig } from './event-config.js';
import {
  AuditEventData,
  type AuditEventDataFields,
  DomainEventData,
  type DomainEventDataFields,
  EventPriority,
  EventMetadata as LegacyEventMetadata,
  NotificationEventData,
  type NotificationEventDataFields,
} from './types.js';

/** Options every publish method takes: the metadata (default: the service's, NORMAL priority). */
export type PublishMetadataOptions = { metadata?: LegacyEventMetadata | null };

/** An event's payload. */
export type EventPayload = Record<string, unknown>;

/** A publish method's options: the metadata and the payload's optional fields. */
export type PublishOptionsOf<F> = PublishMetadataOptions & Partial<F>;

/**
 * Marty's unified publisher of audit, notification and domain events.
 *
 * @example
 * ```ts
 * const publisher = new EventPublisher(new EventConfig({ kafkaBrokers: ['127.0.0.1:9092'], serviceName: 'users' }));
 * const id = await publisher.publishAuditEvent(AuditEventType.USER_LOGIN, 'login', 'user', { resourceId: 'u-1' });
 * await publisher.stop();
 * ```
 */
export class EventPublisher {
  readonly config: EventConfig;
  /**
   * The caller's open transaction (a pg client after BEGIN, a `DatabaseSync` inside BEGIN). With
   * `useOutboxPattern`, events are written to the outbox table `outboxTableName` in it and relayed once it
   * commits. Set it before the publisher starts: the outbox is chosen at start.
   */
  databaseSession: unknown;
  #starting: Promise<Bus> | undefined;
  #outboxed = false;

  constructor(config: EventConfig, options: { databaseSession?: unknown } = {}) {
    this.config = config;
    this.databaseSession = options.databaseSession ?? null;
  }

  /** Connects the producer (each publish does so on first use). */
  async start(): Promise<void> {
    await this.#started();
  }

  /** Flushes and disconnects. */
  async stop(): Promise<void> {
    const starting = this.#starting;
    this.#starting = undefined;
    await (await starting?.catch(() => undefined))?.stop();
  }

  /** `<prefix>.<auditTopic>`, key = the resource id. */
  publishAuditEvent(eventType: AuditEventType, action: string, resourceType: string, options: PublishOptionsOf<AuditEventDataFields> = {}) {
    const { metadata, ...fields } = options;
    const payload = new AuditEventData(eventType, action, resourceType, fields);
    return this.#publish(this.config.auditTopic, eventType, payload.toJSON(), metadata, fields.resourceId ?? null);
  }

  /** `<prefix>.<notificationTopic>`, HIGH priority by default, key = the recipient type. */
  publishNotificationEvent(
    eventType: NotificationEventType,
    recipientType: string,
    recipientIds: string[],
    subject: string,
    message: string,
    options: PublishOptionsOf<NotificationEventDataFields> = {},
  ): Promise<string> {
    const { metadata, ...fields } = options;
    const payload = new NotificationEventData(eventType, recipientType, subject, message, { ...fields, recipientIds });
    const meta = metadata ?? this.#metadata(EventPriority.HIGH);
    return this.#publish(this.config.notificationTopic, eventType, payload.toJSON(), meta, recipientType);
  }

  /** `<prefix>.<domainTopicPattern>` filled with the service, aggregate and event type (lowercased), key = the aggregate id. */
  publishDomainEvent(
    aggregateType: string,
    aggregateId: string,
    eventType: string,
    eventData: EventPayload,
    options: PublishOptionsOf<DomainEventDataFields> = {},
  ): Promise<string> {
    const { metadata, ...fields } = options;
    const payload = new DomainEventData(aggregateType, aggregateId, eventType, { ...fields, eventData });
    const names: Record<string, string> = {
      service: this.config.serviceName,
      aggregate: aggregateType.toLowerCase(),
      event_type: eventType.toLowerCase(),
    };
    const topic = this.config.domainTopicPattern.replace(/\{(service|aggregate|event_type)\}/g, (_, name: string) => names[name] ?? name);
    return this.#publish(topic, eventType, payload.toJSON(), metadata, aggregateId);
  }

  /** `<prefix>.<topic>` with the payload as given. */
  publishCustomEvent(topic: string, eventType: string, payload: EventPayload, options: PublishOptionsOf<{ key: string | null }> = {}) {
    return this.#publish(topic, eventType, payload, options.metadata, options.key ?? null);
  }

  #metadata(priority: EventPriority = EventPriority.NORMAL): LegacyEventMetadata {
    return new LegacyEventMetadata(this.config.serviceName, { serviceVersion: this.config.serviceVersion, priority });
  }

  async #publish(
    topic: string,
    eventType: string,
    payload: EventPayload,
    metadata: LegacyEventMetadata | null | undefined,
    key: string | null,
  ): Promise<string> {
    const meta = metadata ?? this.#metadata();
    const fullTopic = this.config.topicPrefix ? `${this.config.topicPrefix}.${topic}` : topic;
    const envelope = { metadata: meta.toJSON(), event_type: eventType, payload };
    try {
      const bus = await this.#started();
      const tx = this.#outboxed ? { tx: this.databaseSession } : {};
      await bus.publish(fullTopic, envelope, { id: meta.eventId, ...(key ? { key } : {}), datacontenttype: 'application/json', ...tx });
    } catch (error) {
      throw new EventPublishingError(`Failed to publish event: ${error instanceof Error ? error.message : String(error)}`, {
        eventId: meta.eventId,
        cause: error,
      });
    }
    return meta.eventId;
  }

  /** The started bus (started once; a failed start is tried again by the next call). */
  #started(): Promise<Bus> {
    this.#starting ??= this.#open().catch((error: unknown) => {
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  async #open(): Promise<Bus> {
    const { config, databaseSession } = this;
    const bus = createBus({ source: config.serviceName })
      .use(serialization())
      .use(kafka({ ...kafkaOptionsOfEventConfig(config), binding: plainValueBinding() }));
    this.#outboxed = config.useOutboxPattern && databaseSession !== null && databaseSession !== undefined;
    if (this.#outboxed) {
      const name = config.outboxTableName; // event_outbox → event_dead_letter, the 'marty' layout's Python tables
      const store = outboxStoreFor(databaseSession, { outbox: name, deadLetters: `${name.replace(/_outbox$/, '')}_dead_letter` }, 'marty');
      bus.use(outbox({ store, batchSize: config.outboxBatchSize, pollIntervalMs: config.outboxPollIntervalSeconds * 1_000 }));
    }
    await bus.start();
    return bus;
  }
}

let publisher: EventPublisher | undefined;

/**
 * The process's one publisher: a given config replaces it; without one it is created from `EventConfig.fromEnv()`.
 * A given `databaseSession` is set on it.
 *
 * @example
 * ```ts
 * const publisher = getEventPublisher(); // reads KAFKA_BROKERS, SERVICE_NAME, …
 * ```
 */
export function getEventPublisher(config: EventConfig | null = null, options: { databaseSession?: unknown } = {}): EventPublisher {
  if (publisher === undefined || config !== null) publisher = new EventPublisher(config ?? EventConfig.fromEnv(), options);
  if (options.databaseSession !== undefined && options.databaseSession !== null) publisher.databaseSession = options.databaseSession;
  return publisher;
}
