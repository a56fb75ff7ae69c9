/** `DomainEventData` of `types.py`: the payload of a domain event. */
import { assignFields, type FieldsOf } from '../fields.js';
import { snakeJSON } from './event-priority.js';

/**
 * The optional fields of {@link DomainEventData}.
 *
 * @example
 * ```ts
 * const fields: DomainEventDataFields = { eventVersion: 2, eventData: { total: 10 } };
 * ```
 */
export type DomainEventDataFields = FieldsOf<DomainEventData, 'aggregateType' | 'aggregateId' | 'eventType'>;

/**
 * The payload of a domain event.
 *
 * @example
 * ```ts
 * const data = new DomainEventData('Order', 'o-1', 'placed', { eventData: { total: 10 } });
 * data.toJSON(); // { aggregate_type: 'Order', aggregate_id: 'o-1', event_type: 'placed', event_version: 1, … }
 * ```
 */
export class DomainEventData {
  /** The aggregate's type. */
  aggregateType: string;
  /** The aggregate's id. */
  aggregateId: string;
  /** The event type. */
  eventType: string;
  /** The event's version. */
  eventVersion = 1;
  /** The event's data (keys kept as given). */
  eventData: Record<string, unknown> = {};
  /** Business context. */
  businessContext: Record<string, unknown> = {};
  /** Schema version. */
  schemaVersion = '1.0';
  /** Schema URL. */
  schemaUrl: string | null = null;

  constructor(aggregateType: string, aggregateId: string, eventType: string, fields: DomainEventDataFields = {}) {
    this.aggregateType = aggregateType;
    this.aggregateId = aggregateId;
    this.eventType = eventType;
    assignFields(this, fields);
  }

  /**
   * Pydantic's `.dict()` in JSON form: snake_case keys.
   *
   * @example
   * ```ts
   * data.toJSON().event_data; // { total: 10 }
   * ```
   */
  toJSON(): Record<string, unknown> {
    return snakeJSON(this);
  }
}
