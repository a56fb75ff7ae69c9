/**
 * The error classes of `exceptions.py`. Each is a `BusError` of `@bus/core`
 * (so `BusError.is(error)` and its `code` work everywhere) that keeps the
 * Python class name, `eventId` and `cause`.
 */
import { BusError, type BusErrorCode } from '@bus/core';

/**
 * Options of {@link EventPublishingError}: Python's `event_id` and `cause` keywords.
 *
 * @example
 * ```ts
 * new EventPublishingError('send failed', { eventId: event.eventId, cause: error });
 * ```
 */
export interface EventPublishingErrorOptions {
  /** The id of the event concerned (`null` or absent: none). */
  readonly eventId?: string | null | undefined;
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * Base error of event publishing (`BusError` code `PUBLISH_FAILED`).
 *
 * @example
 * ```ts
 * try {
 *   await publisher.publishCustomEvent('mmf.custom', 'x.happened', {});
 * } catch (error) {
 *   if (error instanceof EventPublishingError) console.error(error.eventId, error.cause);
 * }
 * ```
 */
export class EventPublishingError extends BusError {
  /** The `BusError` code errors of this class carry. */
  static readonly busCode: BusErrorCode = 'PUBLISH_FAILED';
  /** The stable code: a key of `@bus/core`'s error-code table (the class's `busCode`). */
  declare readonly code: BusErrorCode;

  constructor(message: string, options: EventPublishingErrorOptions = {}) {
    super((new.target as typeof EventPublishingError).busCode, message, {
      eventId: options.eventId ?? undefined,
      cause: options.cause,
    });
    this.name = new.target.name;
  }
}

/**
 * Unable to connect to Kafka (code `TRANSPORT_FAILED`).
 *
 * @example
 * ```ts
 * throw new KafkaConnectionError('no broker at 127.0.0.1:9092', { cause: error });
 * ```
 */
export class KafkaConnectionError extends EventPublishingError {
  static override readonly busCode: BusErrorCode = 'TRANSPORT_FAILED';
}

/**
 * The event could not be serialized (code `ENCODE_FAILED`).
 *
 * @example
 * ```ts
 * throw new EventSerializationError('data is not JSON', { eventId: event.eventId });
 * ```
 */
export class EventSerializationError extends EventPublishingError {
  static override readonly busCode: BusErrorCode = 'ENCODE_FAILED';
}

/**
 * An outbox operation failed (code `STORE_FAILED`).
 *
 * @example
 * ```ts
 * throw new OutboxError('insert failed', { eventId: event.eventId, cause: error });
 * ```
 */
export class OutboxError extends EventPublishingError {
  static override readonly busCode: BusErrorCode = 'STORE_FAILED';
}

/**
 * The event is not valid (code `INVALID_EVENT`).
 *
 * @example
 * ```ts
 * throw new EventValidationError('priority must be 1 to 4');
 * ```
 */
export class EventValidationError extends EventPublishingError {
  static override readonly busCode: BusErrorCode = 'INVALID_EVENT';
}

/**
 * The topic does not exist (code `TRANSPORT_FAILED`).
 *
 * @example
 * ```ts
 * throw new TopicNotFoundError('no topic user_created');
 * ```
 */
export class TopicNotFoundError extends EventPublishingError {
  static override readonly busCode: BusErrorCode = 'TRANSPORT_FAILED';
}

/**
 * Publishing timed out (code `TRANSPORT_FAILED`, retryable).
 *
 * @example
 * ```ts
 * throw new EventTimeoutError('no ack within 30000 ms', { eventId: event.eventId });
 * ```
 */
export class EventTimeoutError extends EventPublishingError {
  static override readonly busCode: BusErrorCode = 'TRANSPORT_FAILED';
}
