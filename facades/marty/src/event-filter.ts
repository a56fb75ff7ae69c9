/**
 * `EventFilter` of `enhanced_event_bus.py`: which events a handler or a plugin wants.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BaseEvent } from './base-event.js';
import type { EventPriority } from './enums.js';
import { assignFields, type FieldsOf } from './fields.js';

/**
 * The criteria of an {@link EventFilter}. A criterion that is `null`, absent
 * or an empty list is not applied (Python's truthiness).
 *
 * @example
 * ```ts
 * const criteria: EventFilterFields = { eventTypes: ['user.created'], priorityMin: EventPriority.HIGH };
 * ```
 */
export type EventFilterFields = FieldsOf<EventFilter>;

/**
 * Filtering criteria; {@link EventFilter.matches} applies them as Python's `BaseEvent.matches_filter`.
 *
 * @example
 * ```ts
 * const filter = new EventFilter({ eventTypes: ['order.placed'], tags: ['eu', 'us'] });
 * filter.matches(new BaseEvent({ eventType: 'order.placed', tags: ['eu'] })); // true
 * ```
 */
export class EventFilter {
  /** The event type is one of these. */
  eventTypes: string[] | null = null;
  /** `metadata.sourceService` is one of these. */
  sourceServices: string[] | null = null;
  /** `metadata.tenantId` is one of these. */
  tenantIds: string[] | null = null;
  /** `metadata.correlationId` is one of these. */
  correlationIds: string[] | null = null;
  /** At least one of these is in `metadata.tags`. */
  tags: string[] | null = null;
  /** `metadata.priority` is at least this (by value). */
  priorityMin: EventPriority | null = null;
  /** `[start, end]`: the timestamp is within, both ends included. */
  timestampRange: readonly [Date, Date] | null = null;
  /** For each key that is present in `data`, `data[key]` equals the value (deeply). Keys absent from `data` pass. */
  customFilters: Record<string, unknown> = {};

  constructor(fields: EventFilterFields = {}) {
    assignFields(this, fields);
  }

  /**
   * Whether `event` meets every criterion that is set.
   *
   * @example
   * ```ts
   * new EventFilter({ customFilters: { region: 'eu' } }).matches(new BaseEvent({ data: {} })); // true: no `region` in data
   * ```
   */
  matches(event: BaseEvent): boolean {
    const { metadata } = event;
    const outside = (allowed: string[] | null, value: string | null) =>
      allowed !== null && allowed.length > 0 && !allowed.includes(value as string);
    if (outside(this.eventTypes, event.eventType)) return false;
    if (outside(this.sourceServices, metadata.sourceService)) return false;
    if (outside(this.tenantIds, metadata.tenantId)) return false;
    if (outside(this.correlationIds, metadata.correlationId)) return false;
    if (this.tags !== null && this.tags.length > 0 && !this.tags.some((tag) => metadata.tags.includes(tag))) return false;
    if (this.priorityMin !== null && metadata.priority < this.priorityMin) return false;
    if (this.timestampRange !== null) {
      const [start, end] = this.timestampRange;
      const time = event.timestamp.getTime();
      if (time < start.getTime() || time > end.getTime()) return false;
    }
    for (const [key, value] of Object.entries(this.customFilters)) {
      if (Object.hasOwn(event.data, key) && !isDeepStrictEqual(event.data[key], value)) return false;
    }
    return true;
  }
}
