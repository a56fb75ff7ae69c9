/**
 * An Ares {@link Event} as the CloudEvents envelope the bus carries, and back:
 * `eventId` → `id`, `eventType` → `type`, `timestamp` → `time`,
 * `aggregateId` → `subject`, `sequenceNumber` → `sequence`,
 * `schemaVersion` → `schemaversion`, correlation and causation ids as their
 * extension attributes. So plugins used on `EnhancedEventBus.bus` see the
 * same event the legacy subscribers do.
 */
import { BusError, type EventEnvelope } from '@bus/core';
import { Event } from './event.js';
import { EventMetadata } from './event-metadata.js';
import { type EventStatus, isEventType } from './event-type.js';
import { toLegacyTimestamp } from './legacy-time.js';

/** The CloudEvents `source` of events published with an empty legacy `source`. */
export const DEFAULT_SOURCE = 'ares';

/** The envelope of `event` (its `data` is the same object, not a copy). */
export function toEnvelope(event: Event): EventEnvelope & { time: string; sequence: string } {
  const { metadata } = event;
  const envelope: EventEnvelope & { time: string; sequence: string } = {
    specversion: '1.0',
    type: event.eventType,
    id: metadata.eventId,
    source: metadata.source.length > 0 ? metadata.source : DEFAULT_SOURCE,
    time: toLegacyTimestamp(metadata.timestamp),
    data: event.data,
    sequence: String(metadata.sequenceNumber),
    schemaversion: metadata.schemaVersion,
  };
  if (metadata.aggregateId !== null) envelope.subject = metadata.aggregateId;
  if (metadata.correlationId !== null) envelope.correlationid = metadata.correlationId;
  if (metadata.causationId !== null) envelope.causationid = metadata.causationId;
  return envelope;
}

/** The event an envelope carries; throws `INVALID_EVENT` when its type is not an `EventType` value. */
export function fromEnvelope(envelope: EventEnvelope, status?: EventStatus): Event {
  if (!isEventType(envelope.type)) {
    throw new BusError('INVALID_EVENT', `Event type '${envelope.type}' is not an Ares EventType.`, { eventId: envelope.id });
  }
  const sequence = Number(envelope.sequence);
  const metadata = new EventMetadata({
    eventId: envelope.id,
    schemaVersion: envelope.schemaversion,
    timestamp: envelope.time,
    source: envelope.source === DEFAULT_SOURCE ? '' : envelope.source,
    correlationId: envelope.correlationid,
    causationId: envelope.causationid,
    aggregateId: envelope.subject,
    sequenceNumber: Number.isSafeInteger(sequence) && sequence >= 0 ? sequence : 0,
    status,
  });
  return new Event(envelope.type, envelope.data, { metadata });
}
