/** The healthcare architect's event: an id, a payload and a routing key. */

/**
 * An event of the healthcare architect's bus, as the legacy `Event(id, payload, routing_key)`.
 * Its fields are mutable on purpose: the crypto module replaces `payload` with
 * its ciphertext, and extensions change the event in place before handlers run.
 *
 * @typeParam T - the type of `payload`.
 * @example
 * ```ts
 * const result = new Event('lab-1', { patient: 'p-1', glucose: 7.2 }, 'lab.glucose.result');
 * await hospital.publish(result, result.routingKey);
 * ```
 */
export class Event<T = unknown> {
  /** The event id; it becomes the bus event's `id`. A non-empty string. */
  id: string;
  /** The payload. `null` or `undefined` sends the event to the dead-letter queue (`missing_payload`). */
  payload: T;
  /** The routing key (dot-separated words) that `batchPublish` publishes it to. */
  routingKey: string;

  /**
   * @param id - the event id.
   * @param payload - the payload.
   * @param routingKey - the routing key.
   */
  constructor(id: string, payload: T, routingKey: string) {
    this.id = id;
    this.payload = payload;
    this.routingKey = routingKey;
  }
}
