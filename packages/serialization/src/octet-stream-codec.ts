/** The identity codec for payloads that already are bytes. */
import { BusError } from '@bus/core';
import type { Codec } from './codec.js';
import { assertBytes } from './codec-errors.js';
import type { CodecLimits } from './limits.js';
import { assertPayloadSize, resolveLimits } from './limits.js';

/**
 * The content type of opaque bytes.
 *
 * @example
 * ```ts
 * await bus.publish('images.uploaded', png, { datacontenttype: OCTET_STREAM_CONTENT_TYPE });
 * ```
 */
export const OCTET_STREAM_CONTENT_TYPE = 'application/octet-stream';

/**
 * Creates the identity codec (`application/octet-stream`): bytes stay bytes.
 * `decode` checks `maxBytes` and returns a copy, so no two subscribers share
 * one buffer. (`maxDepth` does not apply.)
 *
 * @example
 * ```ts
 * const raw = octetStreamCodec();
 * raw.decode(raw.encode(new Uint8Array([1, 2]))); // Uint8Array [1, 2], a copy
 * ```
 */
export function octetStreamCodec(options: CodecLimits = {}): Codec {
  const limits = resolveLimits(options, 'octetStreamCodec');
  return {
    contentType: OCTET_STREAM_CONTENT_TYPE,
    encode(value) {
      if (!(value instanceof Uint8Array)) {
        throw new BusError(
          'ENCODE_FAILED',
          `${OCTET_STREAM_CONTENT_TYPE} data must be a Uint8Array, got ${value === null ? 'null' : typeof value}.`,
        );
      }
      assertPayloadSize(value, limits, OCTET_STREAM_CONTENT_TYPE);
      return value;
    },
    decode(bytes) {
      assertBytes(bytes, OCTET_STREAM_CONTENT_TYPE);
      assertPayloadSize(bytes, limits, OCTET_STREAM_CONTENT_TYPE);
      return bytes.slice();
    },
  };
}
