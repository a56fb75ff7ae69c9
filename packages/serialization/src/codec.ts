/**
 * The codec contract: how a value becomes bytes for one content type, and back.
 */

/**
 * Turns values into bytes and back for one content type. `decode` gets bytes
 * from the network: it must check its limits before parsing and throw a
 * `BusError` (`PAYLOAD_TOO_LARGE`, `DECODE_FAILED`) rather than crash.
 *
 * @example
 * ```ts
 * const text: Codec = {
 *   contentType: 'text/plain',
 *   encode: (value) => new TextEncoder().encode(String(value)),
 *   decode: (bytes) => new TextDecoder('utf-8', { fatal: true }).decode(bytes),
 * };
 * const bus = createBus().use(serialization({ codecs: [text] }));
 * ```
 */
export interface Codec {
  /** The media type it handles, lowercase and without parameters (`application/json`). */
  readonly contentType: string;
  /** Encodes `value`; throws (ideally a `BusError` with `ENCODE_FAILED`) when it cannot. */
  encode(value: unknown): Uint8Array;
  /** Decodes `bytes`; throws a `BusError` (`DECODE_FAILED`, `PAYLOAD_TOO_LARGE`) on bad input. */
  decode(bytes: Uint8Array): unknown;
}
