/** `EventMetadata` of `types.py` (pydantic): the metadata of the EventPublisher's envelopes. */
import { randomUUID } from 'node:crypto';
import { assignFields, type FieldsOf } from '../fields.js';
import { EventPriority, oneOf, snakeJSON } from './event-priority.js';

/**
 * The optional fields of {@link EventMetadata}.
 *
 * @example
 * ```ts
 * const fields: EventMetadataFields = { correlationId: 'req-1', priority: EventPriority.HIGH };
 * ```
 */
export type EventMetadataFields = FieldsOf<EventMetadata, 'serviceName'>;

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
  /** The event id; default a random UUID. */
  eventId: string = randomUUID();
  /** When the event happened; default now. */
  timestamp: Date = new Date();
  /** The publishing service. */
  serviceName: string;
  /** Its version. */
  serviceVersion = '1.0.0';
  /** Correlation id. */
  correlationId: string | null = null;
  /** Causation id. */
  causationId: string | null = null;
  /** User id. */
  userId: string | null = null;
  /** Session id. */
  sessionId: string | null = null;
  /** Trace id. */
  traceId: string | null = null;
  /** Span id. */
  spanId: string | null = null;
  /** Request id. */
  requestId: string | null = null;
  /** Priority (a string). */
  priority: EventPriority = EventPriority.NORMAL;
  /** Source IP. */
  sourceIp: string | null = null;
  /** User agent. */
  userAgent: string | null = null;
  /** Custom headers. */
  customHeaders: Record<string, string> = {};

  constructor(serviceName: string, fields: EventMetadataFields = {}) {
    this.serviceName = serviceName;
    assignFields(this, fields);
    oneOf(this.priority, EventPriority, 'EventPriority');
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
