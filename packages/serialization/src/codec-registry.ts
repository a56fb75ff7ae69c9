/**
 * Codecs by content type, with media-type negotiation: parameters and case
 * are ignored, and a structured syntax suffix (`application/cloudevents+json`,
 * RFC 6839) falls back to the codec of its base type.
 */
import { BusError } from '@bus/core';
import type { Codec } from './codec.js';

/**
 * The codecs a bus knows, by content type. `serialization()` adds it to the
 * bus as `bus.codecs`.
 *
 * @example
 * ```ts
 * const registry = createCodecRegistry([jsonCodec()]);
 * registry.get('application/json; charset=utf-8') === registry.get('application/json'); // true
 * registry.get('application/vnd.acme.order+json'); // the JSON codec, by suffix
 * ```
 */
export interface CodecRegistry {
  /** Adds `codec`, replacing any codec of the same content type. Throws `PLUGIN_INVALID` for a malformed codec. */
  register(codec: Codec): this;
  /** The codec for `contentType`, by exact media type, then by structured suffix; `undefined` when none. */
  get(contentType: string): Codec | undefined;
  /** Whether a codec for `contentType` is known (as `get` finds it). */
  has(contentType: string): boolean;
  /** The content types registered, in registration order. */
  readonly contentTypes: readonly string[];
}

/**
 * Creates a codec registry holding `codecs` (later ones replace earlier ones
 * of the same content type).
 *
 * @example
 * ```ts
 * const registry = createCodecRegistry([jsonCodec(), msgpackCodec()]);
 * registry.register({ ...msgpackCodec(), contentType: 'application/x-msgpack' });
 * ```
 */
export function createCodecRegistry(codecs: Iterable<Codec> = []): CodecRegistry {
  const byType = new Map<string, Codec>();
  const registry: CodecRegistry = {
    register(codec) {
      if (
        typeof codec !== 'object' ||
        codec === null ||
        typeof codec.contentType !== 'string' ||
        typeof codec.encode !== 'function' ||
        typeof codec.decode !== 'function'
      ) {
        throw new BusError('PLUGIN_INVALID', 'A codec is { contentType: string, encode(value), decode(bytes) }.');
      }
      const contentType = mediaTypeOf(codec.contentType);
      if (contentType.length === 0) throw new BusError('PLUGIN_INVALID', 'A codec needs a non-empty contentType.');
      byType.set(contentType, codec);
      return this;
    },
    get(contentType) {
      // Exact first: the hot path, for the content types this plugin itself writes.
      const exact = byType.get(contentType);
      if (exact !== undefined || typeof contentType !== 'string') return exact;
      const mediaType = mediaTypeOf(contentType);
      const found = byType.get(mediaType);
      if (found !== undefined) return found;
      const plus = mediaType.lastIndexOf('+');
      return plus > mediaType.indexOf('/') && plus > 0 ? byType.get(`application/${mediaType.slice(plus + 1)}`) : undefined;
    },
    has(contentType) {
      return registry.get(contentType) !== undefined;
    },
    get contentTypes() {
      return [...byType.keys()];
    },
  };
  for (const codec of codecs) registry.register(codec);
  return registry;
}

/**
 * The media type of a content type: lowercase, without parameters or spaces.
 *
 * @example
 * ```ts
 * mediaTypeOf('Application/JSON; charset=utf-8'); // 'application/json'
 * ```
 */
export function mediaTypeOf(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}
