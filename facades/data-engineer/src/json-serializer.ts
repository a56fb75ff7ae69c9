/**
 * A serializer in the legacy shape (`serialize` / `deserialize`) built on
 * `@bus/serialization`'s JSON codec, for `registerSerializer` and
 * `publishSync(…, { serializer })`.
 */
import { BusError } from '@bus/core';
import { jsonCodec } from '@bus/serialization';
import type { ETLSerializer } from './etl-pipeline.js';

/**
 * A JSON serializer with JSON text in and out: `@bus/serialization`'s codec,
 * so decoding refuses malformed and prototype-poisoning input
 * (`DECODE_FAILED`) and payloads over 1 MiB (`PAYLOAD_TOO_LARGE`), and
 * encoding refuses what JSON cannot hold (`ENCODE_FAILED`).
 *
 * @example
 * ```ts
 * pipeline.registerSerializer('json', jsonSerializer());
 * pipeline.publishSync(events, transform, { serializer: jsonSerializer() }); // raw events stored as JSON text
 * ```
 */
export function jsonSerializer(): ETLSerializer {
  const codec = jsonCodec();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    serialize: (data) => decoder.decode(codec.encode(data)),
    deserialize: (text) => {
      if (typeof text === 'string') return codec.decode(encoder.encode(text));
      if (text instanceof Uint8Array) return codec.decode(text);
      throw new BusError('DECODE_FAILED', `jsonSerializer() decodes a string or bytes, got ${text === null ? 'null' : typeof text}.`);
    },
  };
}
