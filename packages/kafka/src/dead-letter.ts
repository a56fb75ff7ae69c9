/**
 * Dead-letter records: the failed record as it was (key, value and headers,
 * byte for byte, so it can be redriven), plus `bus_*` headers that say what
 * failed, where the record came from and how often it was tried.
 */
import type { BusError } from '@bus/core';
import type { Message, MessageToProduce } from '@platformatic/kafka';

/**
 * The headers a dead-lettered record carries besides its own.
 *
 * @example
 * ```ts
 * const code = deadLetter.headers.get(Buffer.from(DEAD_LETTER_HEADERS.errorCode))?.toString(); // 'HANDLER_FAILED'
 * ```
 */
export const DEAD_LETTER_HEADERS = Object.freeze({
  /** The `BusError` code of the last failure (`DECODE_FAILED`, `HANDLER_FAILED`, ...). */
  errorCode: 'bus_error_code',
  /** Its message. */
  errorMessage: 'bus_error_message',
  /** The topic the record was consumed from. */
  topic: 'bus_original_topic',
  /** Its partition there. */
  partition: 'bus_original_partition',
  /** Its offset there. */
  offset: 'bus_original_offset',
  /** The consumer group that gave up on it. */
  group: 'bus_group',
  /** How many deliveries were tried (0: it could not be decoded). */
  attempts: 'bus_attempts',
  /** When it was dead-lettered, RFC 3339. */
  failedAt: 'bus_failed_at',
});

type Bytes = Message<Buffer, Buffer, Buffer, Buffer>;

/** The record to produce to `deadLetterTopic` for `message`, which failed with `error` after `attempts` deliveries. */
export function deadLetterRecord(
  message: Bytes,
  deadLetterTopic: string,
  error: BusError,
  attempts: number,
  group: string,
): MessageToProduce<Buffer, Buffer, Buffer, Buffer> {
  const headers = new Map<Buffer, Buffer>();
  for (const [key, value] of message.headerEntries) {
    if (key !== undefined && key !== null) headers.set(key, value ?? Buffer.alloc(0));
  }
  const add = (name: string, value: string): void => void headers.set(Buffer.from(name), Buffer.from(value));
  add(DEAD_LETTER_HEADERS.errorCode, error.code);
  add(DEAD_LETTER_HEADERS.errorMessage, error.message.slice(0, 4096));
  add(DEAD_LETTER_HEADERS.topic, message.topic);
  add(DEAD_LETTER_HEADERS.partition, String(message.partition));
  add(DEAD_LETTER_HEADERS.offset, message.offset.toString());
  add(DEAD_LETTER_HEADERS.group, group);
  add(DEAD_LETTER_HEADERS.attempts, String(attempts));
  add(DEAD_LETTER_HEADERS.failedAt, new Date().toISOString());
  return {
    topic: deadLetterTopic,
    key: message.key ?? undefined,
    // A null value stays null: `value` must be present for the client, and null is a record without one.
    value: (message.value ?? null) as Buffer,
    headers,
  };
}
