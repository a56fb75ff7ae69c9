/**
 * The MessagePack codec, on msgpackr, configured for plain, interoperable
 * MessagePack: no records, no structured-clone extensions. Input is checked
 * by a structural pre-scan (size, depth, keys, extension types) before
 * msgpackr decodes it.
 */
import { BusError } from '@bus/core';
import { type Options, Packr, Unpackr } from 'msgpackr';
import type { Codec } from './codec.js';
import { assertBytes, messageOf } from './codec-errors.js';
import type { CodecLimits } from './limits.js';
import { assertPayloadSize, resolveLimits, tooDeep } from './limits.js';
import { scanMessagePack } from './msgpack-scan.js';

/**
 * The MessagePack content type.
 *
 * @example
 * ```ts
 * await bus.publish('telemetry.sampled', sample, { datacontenttype: MSGPACK_CONTENT_TYPE });
 * ```
 */
export const MSGPACK_CONTENT_TYPE = 'application/msgpack';

// msgpackr 2.1.3 implements `skipValues` and `int64AsType: 'auto'` (see its README), but its typings lag.
const PACK_OPTIONS = { useRecords: false, moreTypes: false, encodeUndefinedAsNil: true, skipValues: [undefined] } satisfies Options & {
  skipValues: unknown[];
};
const UNPACK_OPTIONS = { useRecords: false, mapsAsObjects: true, int64AsType: 'auto', copyBuffers: true } as const;

/**
 * Creates the MessagePack codec (`application/msgpack`). Objects become maps,
 * `Date`s timestamps, `Uint8Array`s binaries; like JSON, properties whose value
 * is `undefined` are left out. 64-bit integers decode as numbers when they are
 * safe integers, else as BigInt. Decoding refuses, before msgpackr runs,
 * payloads over `maxBytes` (`PAYLOAD_TOO_LARGE`), nested deeper than
 * `maxDepth`, truncated or with trailing bytes, with `__proto__` or
 * `constructor.prototype` keys, or with extension types other than
 * timestamps (`DECODE_FAILED`). Decoded binaries are copies, never views of
 * the input.
 *
 * @example
 * ```ts
 * const msgpack = msgpackCodec({ maxDepth: 16 });
 * msgpack.decode(msgpack.encode({ at: new Date(0), n: 1 })); // { at: Date(0), n: 1 }
 * ```
 */
export function msgpackCodec(options: CodecLimits = {}): Codec {
  const limits = resolveLimits(options, 'msgpackCodec');
  const packr = new Packr({ ...PACK_OPTIONS });
  const unpackr = new Unpackr({ ...UNPACK_OPTIONS } as unknown as Options);
  return {
    contentType: MSGPACK_CONTENT_TYPE,
    encode(value) {
      let bytes: Uint8Array;
      try {
        bytes = packr.pack(value);
      } catch (error) {
        throw new BusError('ENCODE_FAILED', `The value cannot be encoded as MessagePack: ${messageOf(error)}`, { cause: error });
      }
      assertPayloadSize(bytes, limits, MSGPACK_CONTENT_TYPE);
      return bytes;
    },
    decode(bytes) {
      assertBytes(bytes, MSGPACK_CONTENT_TYPE);
      assertPayloadSize(bytes, limits, MSGPACK_CONTENT_TYPE);
      const problem = scanMessagePack(bytes, limits.maxDepth);
      if (problem?.reason === 'depth') throw tooDeep(MSGPACK_CONTENT_TYPE, limits);
      if (problem !== undefined) throw new BusError('DECODE_FAILED', `The payload is not valid, safe MessagePack: ${problem.message}.`);
      try {
        return unpackr.unpack(bytes) as unknown;
      } catch (error) {
        throw new BusError('DECODE_FAILED', `The payload is not valid MessagePack: ${messageOf(error)}`, { cause: error });
      }
    },
  };
}
