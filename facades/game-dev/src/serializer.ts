/** The legacy `Serializer` contract and its JSON implementation. */
import { BusError } from '@bus/core';
import { type Codec, jsonCodec } from '@bus/serialization';

/**
 * The legacy serializer contract: `serialize` turns an event into a raw
 * payload, `deserialize` turns the payload back. Subclass it, or pass any
 * object with both methods.
 *
 * @example
 * ```ts
 * class CsvSerializer extends Serializer {
 *   serialize(event: unknown): string {
 *     return Object.values(event as object).join(',');
 *   }
 *   deserialize(data: unknown): unknown {
 *     return String(data).split(',');
 *   }
 * }
 * bus.registerSerializer('csv', new CsvSerializer());
 * ```
 */
export abstract class Serializer {
  /** Turns `event` into its raw payload; throw when it cannot (the event is dead-lettered). */
  abstract serialize(event: unknown): unknown;
  /** Turns a raw payload back into an event; throw when it cannot (the event is dead-lettered). */
  abstract deserialize(data: unknown): unknown;
}

const encoder = new TextEncoder();

/**
 * JSON as UTF-8 bytes, as the legacy `JsonSerializer` did; registered as
 * `'json'` on every bus. Built on `@bus/serialization`'s `jsonCodec()`, so
 * decoding refuses prototype-poisoning keys, oversized payloads and deep
 * nesting with a `BusError` (`DECODE_FAILED`, `PAYLOAD_TOO_LARGE`) and
 * encoding refuses cycles, BigInt and bare `undefined` (`ENCODE_FAILED`).
 *
 * @example
 * ```ts
 * const json = new JsonSerializer();
 * json.deserialize(json.serialize({ hp: 10 })); // { hp: 10 }
 * ```
 */
export class JsonSerializer extends Serializer {
  readonly #codec: Codec = jsonCodec();

  /** Encodes `event` as JSON in UTF-8 bytes. */
  serialize(event: unknown): Uint8Array {
    return this.#codec.encode(event);
  }

  /** Decodes JSON given as UTF-8 bytes or as a string. */
  deserialize(data: unknown): unknown {
    if (typeof data === 'string') return this.#codec.decode(encoder.encode(data));
    if (data instanceof Uint8Array) return this.#codec.decode(data);
    throw new BusError(
      'DECODE_FAILED',
      `JsonSerializer.deserialize() takes bytes or a string, got ${data === null ? 'null' : typeof data}.`,
    );
  }
}

/** Whether `value` has the serializer methods (a subclass of {@link Serializer} or any object like one). */
export function isSerializer(value: unknown): value is Serializer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Serializer).serialize === 'function' &&
    typeof (value as Serializer).deserialize === 'function'
  );
}
