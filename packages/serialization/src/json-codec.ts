/**
 * The JSON codec: `JSON.stringify` out; in, a size check, a depth pre-scan,
 * strict UTF-8, and fastify's secure-json-parse, which refuses `__proto__`
 * and `constructor.prototype` keys (prototype poisoning).
 */
import { BusError } from '@bus/core';
import secureJson from 'secure-json-parse';
import type { Codec } from './codec.js';
import { assertBytes, messageOf } from './codec-errors.js';
import { jsonNestsDeeperThan } from './json-depth.js';
import type { CodecLimits } from './limits.js';
import { assertPayloadSize, resolveLimits, tooDeep } from './limits.js';

/**
 * The JSON content type.
 *
 * @example
 * ```ts
 * await bus.publish('orders.created', order, { datacontenttype: JSON_CONTENT_TYPE });
 * ```
 */
export const JSON_CONTENT_TYPE = 'application/json';

const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * Creates the JSON codec (`application/json`). Encoding fails with
 * `ENCODE_FAILED` for what JSON cannot hold (cycles, BigInt, a bare
 * `undefined` or function); decoding refuses, before parsing, payloads over
 * `maxBytes` (`PAYLOAD_TOO_LARGE`) or nested deeper than `maxDepth`, and
 * refuses invalid UTF-8, malformed JSON and `__proto__` / `constructor.prototype`
 * keys (`DECODE_FAILED`).
 *
 * @example
 * ```ts
 * const json = jsonCodec({ maxBytes: 64 * 1024 });
 * json.decode(json.encode({ id: 'o-1' })); // { id: 'o-1' }
 * ```
 */
export function jsonCodec(options: CodecLimits = {}): Codec {
  const limits = resolveLimits(options, 'jsonCodec');
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    contentType: JSON_CONTENT_TYPE,
    encode(value) {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (error) {
        throw new BusError('ENCODE_FAILED', `The value cannot be encoded as JSON: ${messageOf(error)}`, { cause: error });
      }
      if (text === undefined) {
        throw new BusError('ENCODE_FAILED', `A bare ${typeof value} cannot be encoded as JSON.`);
      }
      const bytes = encoder.encode(text);
      assertPayloadSize(bytes, limits, JSON_CONTENT_TYPE);
      return bytes;
    },
    decode(bytes) {
      assertBytes(bytes, JSON_CONTENT_TYPE);
      assertPayloadSize(bytes, limits, JSON_CONTENT_TYPE);
      if (jsonNestsDeeperThan(bytes, limits.maxDepth)) throw tooDeep(JSON_CONTENT_TYPE, limits);
      try {
        return secureJson.parse(decoder.decode(bytes), undefined, PARSE_OPTIONS) as unknown;
      } catch (error) {
        throw new BusError('DECODE_FAILED', `The payload is not valid, safe JSON: ${messageOf(error)}`, { cause: error });
      }
    },
  };
}
