/**
 * Kafka client failures as `BusError`s: one code (`TRANSPORT_FAILED`), the
 * client's own verdict on retrying (`canRetry`), and the original error as `cause`.
 */
import { BusError, type BusErrorCode } from '@bus/core';
import { findErrorBy } from '@platformatic/kafka';

/**
 * What {@link kafkaError} keeps from a client error besides the message and
 * cause, as the `BusError`'s `details`.
 *
 * @example
 * ```ts
 * bus.events.on('error', (error) => {
 *   const { clientCode, apiId } = (error.details ?? {}) as Partial<KafkaErrorDetails>;
 *   console.warn(error.code, clientCode, apiId, error.retryable);
 * });
 * ```
 */
export interface KafkaErrorDetails {
  /** The client's error code (`PLT_KFK_*`). */
  readonly clientCode: string | undefined;
  /** The broker's error name (`TOPIC_ALREADY_EXISTS`, `NOT_LEADER_OR_FOLLOWER`, ...), when the broker answered with one. */
  readonly apiId: string | undefined;
}

/**
 * Wraps a `@platformatic/kafka` error in a `BusError`: `TRANSPORT_FAILED`
 * unless another code is given, `retryable` from the client's `canRetry` (an
 * error any part of which the client marks as not retryable is not retryable),
 * the client's codes in `details`, and the original as `cause`. A `BusError`
 * passes through unchanged.
 *
 * @param error - what the client threw or passed to a callback.
 * @param what - what was being done, for the message (`'send 3 events'`).
 * @param options - the event the failure concerns, and another code than `TRANSPORT_FAILED`.
 * @example
 * ```ts
 * try {
 *   await producer.send({ messages });
 * } catch (error) {
 *   throw kafkaError(error, `send event ${event.id}`, { eventId: event.id });
 * }
 * ```
 */
export function kafkaError(error: unknown, what: string, options: { eventId?: string | undefined; code?: BusErrorCode } = {}): BusError {
  if (BusError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const details: KafkaErrorDetails = {
    clientCode: readString(error, 'code'),
    apiId: readString(error, 'apiId') ?? nestedApiId(error),
  };
  return new BusError(options.code ?? 'TRANSPORT_FAILED', `Kafka could not ${what}: ${message}${describeNested(error)}`, {
    eventId: options.eventId,
    retryable: isRetryable(error),
    cause: error,
    details,
  });
}

/**
 * Whether the client says retrying may help: false as soon as any part of the
 * error (a `MultipleErrors` nests several) has `canRetry: false`; true otherwise.
 *
 * @example
 * ```ts
 * if (!isRetryable(error)) throw error;
 * ```
 */
export function isRetryable(error: unknown): boolean {
  if (findErrorBy(error as Error, 'canRetry', false) !== null) return false;
  return true;
}

/** Whether the broker answered with the named error (`TOPIC_ALREADY_EXISTS`), anywhere in a nested error. */
export function hasApiError(error: unknown, apiId: string): boolean {
  return findErrorBy(error as Error, 'apiId', apiId) !== null;
}

/** Whether the error means the consumer must rejoin its group (a rebalance is under way or it lost its membership). */
export function needsRejoin(error: unknown): boolean {
  return findErrorBy(error as Error, 'needsRejoin', true) !== null;
}

function readString(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const found = (value as Record<string, unknown>)[key];
  return typeof found === 'string' ? found : undefined;
}

function nestedErrors(error: unknown): unknown[] {
  if (error instanceof AggregateError) return error.errors;
  return [];
}

function nestedApiId(error: unknown): string | undefined {
  for (const nested of nestedErrors(error)) {
    const apiId = readString(nested, 'apiId') ?? nestedApiId(nested);
    if (apiId !== undefined) return apiId;
  }
  return undefined;
}

/** The nested messages of a `MultipleErrors`, which alone says only "Creating topics failed.". */
function describeNested(error: unknown): string {
  const messages = nestedErrors(error)
    .map((nested) => {
      const apiId = readString(nested, 'apiId');
      const message = nested instanceof Error ? nested.message : String(nested);
      return apiId === undefined ? message : `${apiId}: ${message}`;
    })
    .filter((message, index, all) => all.indexOf(message) === index);
  return messages.length === 0 ? '' : ` (${messages.join('; ')})`;
}
