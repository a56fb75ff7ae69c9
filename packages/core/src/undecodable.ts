/**
 * Messages a transport received but could not make an envelope of (bytes
 * that are no CloudEvent, a codec that fails): the transport hands each to
 * the kernel with its raw bytes, and the kernel gives it to the one plugin
 * that keeps them (`@bus/resilience` dead-letters them in the same sink, in
 * the same record format, as events whose handlers failed), or reports it.
 */
import { BusError } from './errors.js';
import type { Reporter } from './reporter.js';
import type { TransportSubscriptionSpec } from './transport.js';

/**
 * A message that could not be decoded, as the transport received it.
 *
 * @example
 * ```ts
 * kernel.keepUndecodable((message) => quarantine.insert(message.position, message.value));
 * ```
 */
export interface UndecodableMessage {
  /** The subscription that consumed it. */
  readonly subscription: TransportSubscriptionSpec;
  /** The transport's name (`kafka`). */
  readonly transport: string;
  /** Where it is in the transport, for people and tools: `orders.created/2@1017` on Kafka (topic/partition@offset). */
  readonly position: string;
  /** The event type its channel holds, when the transport knows it. */
  readonly type: string | undefined;
  /** Its raw key, if any. */
  readonly key: Uint8Array | undefined;
  /** Its raw value (`null`: a record without one). */
  readonly value: Uint8Array | null;
  /** Its raw headers. */
  readonly headers: Readonly<Record<string, Uint8Array>>;
  /** Why it could not be decoded (`DECODE_FAILED`, or the codec's own code). */
  readonly error: BusError;
}

/**
 * Keeps an undecodable message. Resolving means it is kept and the transport
 * moves past it; rejecting means it could not be kept, and the transport
 * must not move past it (it tries again later), so nothing is lost.
 */
export type UndecodableKeeper = (message: UndecodableMessage) => void | Promise<void>;

/**
 * The kernel's side of `TransportContext.undecodable`: to the keeper when a plugin is one, else reported on
 * `'error'` with where the message was. A keeper that fails rejects, so the transport keeps the message.
 */
export async function handOver(keeper: UndecodableKeeper | undefined, reporter: Reporter, message: UndecodableMessage): Promise<boolean> {
  if (keeper === undefined) {
    const { error } = message;
    reporter.error(
      new BusError(error.code, `Skipped ${message.transport} message ${message.position}, which could not be decoded: ${error.message}`, {
        cause: error,
        details: { position: message.position, subscription: message.subscription.pattern },
      }),
      error.code,
    );
    return false;
  }
  try {
    await keeper(message);
  } catch (error) {
    throw BusError.from(error, 'STORE_FAILED');
  }
  return true;
}
