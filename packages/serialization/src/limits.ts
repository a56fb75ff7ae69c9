/**
 * The limits every built-in codec checks before it parses, so hostile input
 * costs at most a bounded scan.
 */
import { BusError } from '@bus/core';

/**
 * Limits of the built-in codecs.
 *
 * @example
 * ```ts
 * const codec = jsonCodec({ maxBytes: 64 * 1024, maxDepth: 16 });
 * ```
 */
export interface CodecLimits {
  /**
   * The largest payload, in bytes, that is encoded or decoded. Checked before
   * parsing. Default 1 MiB (Kafka's default message size limit).
   */
  readonly maxBytes?: number;
  /** The deepest nesting of arrays and objects that is decoded. Default 64 (as System.Text.Json's). */
  readonly maxDepth?: number;
}

/**
 * The default of {@link CodecLimits.maxBytes}: 1 MiB.
 *
 * @example
 * ```ts
 * jsonCodec({ maxBytes: 4 * DEFAULT_MAX_BYTES });
 * ```
 */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * The default of {@link CodecLimits.maxDepth}: 64.
 *
 * @example
 * ```ts
 * msgpackCodec({ maxDepth: DEFAULT_MAX_DEPTH / 2 });
 * ```
 */
export const DEFAULT_MAX_DEPTH = 64;

/** Limits with the defaults filled in and checked. */
export interface ResolvedLimits {
  /** See {@link CodecLimits.maxBytes}. */
  readonly maxBytes: number;
  /** See {@link CodecLimits.maxDepth}. */
  readonly maxDepth: number;
}

/** Fills in the defaults; throws `PLUGIN_INVALID` for a limit that is not a positive integer. */
export function resolveLimits(limits: CodecLimits | undefined, codec: string): ResolvedLimits {
  const maxBytes = limits?.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = limits?.maxDepth ?? DEFAULT_MAX_DEPTH;
  for (const [name, value] of [
    ['maxBytes', maxBytes],
    ['maxDepth', maxDepth],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new BusError('PLUGIN_INVALID', `${codec}({ ${name} }) must be a positive integer, got ${String(value)}.`);
    }
  }
  return { maxBytes, maxDepth };
}

/** Throws `PAYLOAD_TOO_LARGE` when `bytes` is over the limit: the first check, before any parsing. */
export function assertPayloadSize(bytes: Uint8Array, limits: ResolvedLimits, contentType: string): void {
  if (bytes.byteLength > limits.maxBytes) {
    throw new BusError('PAYLOAD_TOO_LARGE', `The ${contentType} payload is ${bytes.byteLength} bytes; the limit is ${limits.maxBytes}.`, {
      details: { size: bytes.byteLength, limit: limits.maxBytes },
    });
  }
}

/** The `DECODE_FAILED` of a payload nested deeper than the limit. */
export function tooDeep(contentType: string, limits: ResolvedLimits): BusError {
  return new BusError('DECODE_FAILED', `The ${contentType} payload nests deeper than ${limits.maxDepth} levels.`, {
    details: { limit: limits.maxDepth },
  });
}
