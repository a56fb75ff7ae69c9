/**
 * Dead letters: what a sink keeps about an event whose deliveries ran out of
 * attempts, the sink contract, and the filter `list` and `redrive` take.
 */
import type { Bus, BusError, BusErrorCode, EventEnvelope } from '@bus/core';

/**
 * The subscription that failed a dead-lettered event.
 *
 * @example
 * ```ts
 * const failedBy: DeadLetterSubscription = { id: 'sub-3', name: 'billing', pattern: 'orders.created' };
 * ```
 */
export interface DeadLetterSubscription {
  /** The subscription id (unique within the bus that dead-lettered it). */
  readonly id: string;
  /** Its name (the pattern, unless named): stable across restarts. */
  readonly name: string;
  /** Its pattern. */
  readonly pattern: string;
}

/**
 * An event that failed every attempt of one subscription.
 *
 * @typeParam T - the type of the event's `data`.
 * @example
 * ```ts
 * for (const letter of await bus.deadLetters.list({ type: 'orders.created' })) {
 *   console.log(letter.event.id, letter.error.code, letter.attempts, letter.time, letter.subscription.name);
 * }
 * ```
 */
export interface DeadLetter<T = unknown> {
  /** The dead letter's own id: one event failed by two subscriptions makes two dead letters. */
  readonly id: string;
  /** The envelope as the handler received it (decoded, upcast). */
  readonly event: EventEnvelope<T>;
  /** The last failure. */
  readonly error: BusError;
  /** How many attempts were made. */
  readonly attempts: number;
  /** When it was dead-lettered, RFC 3339. */
  readonly time: string;
  /** The subscription whose attempts ran out. */
  readonly subscription: DeadLetterSubscription;
  /**
   * Set for a message the transport could not decode (`attempts` 0, `error`
   * `DECODE_FAILED` or the codec's code): its bytes as received, since there
   * is no event to show. Its `event` is then a stand-in: id
   * `undecodable:<position>`, the type its channel holds (or `undecodable`),
   * no data. Such a letter cannot be redriven as an event.
   */
  readonly raw?: RawMessage;
}

/**
 * The bytes of a message a transport could not decode, base64-encoded, so
 * that a dead letter stays plain JSON whatever sink keeps it.
 *
 * @example
 * ```ts
 * const bytes = Buffer.from(letter.raw.value ?? '', 'base64');
 * ```
 */
export interface RawMessage {
  /** The transport (`kafka`). */
  readonly transport: string;
  /** Where it was: `topic/partition@offset` on Kafka. */
  readonly position: string;
  /** Its key, base64. */
  readonly key?: string;
  /** Its value, base64; `null` for a record without one. */
  readonly value: string | null;
  /** Its headers, each value base64. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Which dead letters `list` and `redrive` mean: every field given must match
 * (the subscription by id or name), or a predicate.
 *
 * @example
 * ```ts
 * await bus.deadLetters.redrive({ type: 'orders.created', subscription: 'billing' });
 * await bus.deadLetters.list((letter) => letter.attempts > 3);
 * ```
 */
export type DeadLetterFilter =
  | {
      /** The event type. */
      readonly type?: string;
      /** The subscription's id or name. */
      readonly subscription?: string;
      /** The last failure's code. */
      readonly code?: BusErrorCode;
      /** The event id. */
      readonly eventId?: string;
    }
  | ((letter: DeadLetter) => boolean);

/**
 * Where dead letters go. A sink that throws from `put` fails the delivery
 * instead (the kernel reports it on `'failed'`, and transports with
 * redelivery deliver it again), so no dead letter is lost.
 *
 * @example
 * ```ts
 * const sink: DeadLetterSink = {
 *   put: (letter) => db.insert('dead_letters', letter),
 *   list: (filter) => db.select('dead_letters').then((rows) => rows.filter((row) => deadLetterMatches(row, filter))),
 *   // true only for the call that deleted the row: redrive claims letters with it
 *   remove: (id) => db.query('DELETE FROM dead_letters WHERE id = $1', [id]).then((result) => result.rowCount === 1),
 * };
 * ```
 */
export interface DeadLetterSink {
  /**
   * Keeps a dead letter. `bus` is the bus it came from (to publish it on, or
   * to report on). Redrive also calls it to put back a letter it claimed but
   * could not republish.
   */
  put(letter: DeadLetter, bus: Bus): void | Promise<void>;
  /** The dead letters kept, oldest first, those matching `filter` when given. */
  list(filter?: DeadLetterFilter): readonly DeadLetter[] | Promise<readonly DeadLetter[]>;
  /**
   * Removes a dead letter and says whether **this call** removed it: `true`
   * when it was there and is now gone, `false` when it was not there (never
   * put, or removed already). Redrive claims each letter with it before
   * republishing, so it must be atomic: of two concurrent calls for one id
   * (two redrives, two processes sharing a table), exactly one may return
   * `true` — in SQL, `DELETE … WHERE id = $1` and compare the row count to 1.
   * Anything but a boolean fails that letter's redrive with `STORE_FAILED`.
   */
  remove(id: string): boolean | Promise<boolean>;
}

/**
 * Whether `letter` matches `filter` (always, without one): for sinks of your own.
 *
 * @example
 * ```ts
 * const billing = letters.filter((letter) => deadLetterMatches(letter, { subscription: 'billing' }));
 * ```
 */
export function deadLetterMatches(letter: DeadLetter, filter?: DeadLetterFilter): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'function') return filter(letter);
  return (
    (filter.type === undefined || letter.event.type === filter.type) &&
    (filter.subscription === undefined ||
      letter.subscription.id === filter.subscription ||
      letter.subscription.name === filter.subscription) &&
    (filter.code === undefined || letter.error.code === filter.code) &&
    (filter.eventId === undefined || letter.event.id === filter.eventId)
  );
}
