/** `EventMetadata` of `types.py` (pydantic): the metadata of the EventPublisher's envelopes. */
import { randomUUID } from 'node:crypto';
import { parseIsoformat } from '../python-time.js';
import { EventPriority, oneOf } from './event-priority.js';
import { snakeJSON } from './snake-json.js';

/**
 * The optional fields of {@link EventMetadata}.
 *
 * @example
 * ```ts
 * const fields: EventMetadataFields = { correlationId: 'req-1', priority: EventPriority.HIGH };
 * ```
 */
export interface EventMetadataFields {
  /** Default: a random UUID. */
  readonly eventId?: string | undefined;
  /** Default: now. A string is read as `fromisoformat`. */
  readonly timestamp?: Date | string | undefined;
  /** Default `'1.0.0'`. */
  readonly serviceVersion?: string | undefined;
  /** Default `null`. */
  readonly correlationId?: string | null | undefined;
  /** Default `null`. */
  readonly causationId?: string | null | undefined;
  /** Default `null`. */
  readonly userId?: string | null | undefined;
  /** Default `null`. */
  readonly sessionId?: string | null | undefined;
  /** Default `null`. */
  readonly traceId?: string | null | undefined;
  /** Default `null`. */
  readonly spanId?: string | null | undefined;
  /** Default `null`. */
  readonly requestId?: string | null | undefined;
  /** Default {@link EventPriority.NORMAL} (`'normal'`). */
  readonly priority?: EventPriority | undefined;
  /** Default `null`. */
  readonly sourceIp?: string | null | undefined;
  /** Default `null`. */
  readonly userAgent?: string | null | undefined;
  /** Default `{}`. */
  readonly customHeaders?: Record<string, string> | undefined;
}

/**
 * Metadata of a published event; `serviceName` is required.
 *
 * @example
 * ```ts
 * import { EventMetadata } from '@bus/facade-marty/types';
 * const metadata = new EventMetadata('user-service', { userId: 'u-1' });
 * metadata.toJSON(); // { event_id: '…', timestamp: '…+00:00', service_name: 'user-service', service_version: '1.0.0', … }
 * ```
 */
export class EventMetadata {
  /** The event id. */
  eventId: string;
  /** When the event happened. */
  timestamp: Date;
  /** The publishing service. */
  serviceName: string;
  /** Its version. */
  serviceVersion: string;
  /** Correlation id. */
  correlationId: string | null;
  /** Causation id. */
  causationId: string | null;
  /** User id. */
  userId: string | null;
  /** Session id. */
  sessionId: string | null;
  /** Trace id. */
  traceId: string | null;
  /** Span id. */
  spanId: string | null;
  /** Request id. */
  requestId: string | null;
  /** Priority (a string). */
  priority: EventPriority;
  /** Source IP. */
  sourceIp: string | null;
  /** User agent. */
  userAgent: string | null;
  /** Custom headers. */
  customHeaders: Record<string, string>;

  constructor(serviceName: string, fields: EventMetadataFields = {}) {
    this.eventId = fields.eventId ?? randomUUID();
    this.timestamp = fields.timestamp === undefined ? new Date() : parseIsoformat(fields.timestamp);
    this.serviceName = serviceName;
    this.serviceVersion = fields.serviceVersion ?? '1.0.0';
    this.correlationId = fields.correlationId ?? null;
    this.causationId = fields.causationId ?? null;
    this.userId = fields.userId ?? null;
    this.sessionId = fields.sessionId ?? null;
    this.traceId = fields.traceId ?? null;
    this.spanId = fields.spanId ?? null;
    this.requestId = fields.requestId ?? null;
    this.priority = oneOf(fields.priority ?? EventPriority.NORMAL, EventPriority, 'EventPriority');
    this.sourceIp = fields.sourceIp ?? null;
    this.userAgent = fields.userAgent ?? null;
    this.customHeaders = fields.customHeaders ?? {};
  }

  /**
   * Pydantic's `.dict()` in JSON form: snake_case keys, `isoformat()` time, the priority's value.
   *
   * @example
   * ```ts
   * JSON.stringify({ metadata, event_type: 'user.login', payload });
   * ```
   */
  toJSON(): Record<string, unknown> {
    return snakeJSON(this);
  }
}
