/**
 * `EventFilter` of `enhanced_event_bus.py`: which events a handler or a plugin wants.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BaseEvent } from './base-event.js';
import type { EventPriority } from './enums.js';

/**
 * The criteria of an {@link EventFilter}. A criterion that is `null`, absent
 * or an empty list is not applied (Python's truthiness).
 *
 * @example
 * ```ts
 * const criteria: EventFilterFields = { eventTypes: ['user.created'], priorityMin: EventPriority.HIGH };
 * ```
 */
export interface EventFilterFields {
  /** The event type is one of these. */
  readonly eventTypes?: string[] | null | undefined;
  /** `metadata.sourceService` is one of these. */
  readonly sourceServices?: string[] | null | undefined;
  /** `metadata.tenantId` is one of these. */
  readonly tenantIds?: string[] | null | undefined;
  /** `metadata.correlationId` is one of these. */
  readonly correlationIds?: string[] | null | undefined;
  /** At least one of these is in `metadata.tags`. */
  readonly tags?: string[] | null | undefined;
  /** `metadata.priority` is at least this (by value). */
  readonly priorityMin?: EventPriority | null | undefined;
  /** `[start, end]`: the timestamp is within, both ends included. */
  readonly timestampRange?: readonly [Date, Date] | null | undefined;
  /** For each key that is present in `data`, `data[key]` equals the value (deeply). Keys absent from `data` pass. */
  readonly customFilters?: Record<string, unknown> | undefined;
}

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
  /** See {@link EventFilterFields.eventTypes}. */
  eventTypes: string[] | null;
  /** See {@link EventFilterFields.sourceServices}. */
  sourceServices: string[] | null;
  /** See {@link EventFilterFields.tenantIds}. */
  tenantIds: string[] | null;
  /** See {@link EventFilterFields.correlationIds}. */
  correlationIds: string[] | null;
  /** See {@link EventFilterFields.tags}. */
  tags: string[] | null;
  /** See {@link EventFilterFields.priorityMin}. */
  priorityMin: EventPriority | null;
  /** See {@link EventFilterFields.timestampRange}. */
  timestampRange: readonly [Date, Date] | null;
  /** See {@link EventFilterFields.customFilters}. */
  customFilters: Record<string, unknown>;

  constructor(fields: EventFilterFields = {}) {
    this.eventTypes = fields.eventTypes ?? null;
    this.sourceServices = fields.sourceServices ?? null;
    this.tenantIds = fields.tenantIds ?? null;
    this.correlationIds = fields.correlationIds ?? null;
    this.tags = fields.tags ?? null;
    this.priorityMin = fields.priorityMin ?? null;
    this.timestampRange = fields.timestampRange ?? null;
    this.customFilters = fields.customFilters ?? {};
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
