/**
 * The legacy serializer registry: named pairs of functions, with `json`
 * registered first. The `json` pair is @bus/serialization's JSON codec
 * (prototype-poisoning safe, size and depth limits) with text in and out,
 * because the legacy `json.dumps` returned a string.
 */
import { BusError } from '@bus/core';
import { jsonCodec } from '@bus/serialization';

/**
 * Turns a value into its serialized form (legacy `enc_fn`).
 *
 * @example
 * ```ts
 * const encode: SerializeFn = (value) => `enc:${String(value)}`;
 * ```
 */
export type SerializeFn = (data: unknown) => unknown;

/**
 * Turns a serialized form back into a value (legacy `dec_fn`).
 *
 * @example
 * ```ts
 * const decode: DeserializeFn = (blob) => String(blob).replace('enc:', '');
 * ```
 */
export type DeserializeFn = (blob: unknown) => unknown;

interface SerializerPair {
  readonly serialize: SerializeFn;
  readonly deserialize: DeserializeFn;
}

function jsonText(): SerializerPair {
  const codec = jsonCodec();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    serialize: (data) => decoder.decode(codec.encode(data)),
    deserialize: (blob) => {
      if (typeof blob === 'string') return codec.decode(encoder.encode(blob));
      if (blob instanceof Uint8Array) return codec.decode(blob);
      throw new BusError('DECODE_FAILED', `The json serializer decodes a string or bytes, got ${blob === null ? 'null' : typeof blob}.`);
    },
  };
}

export class SerializerRegistry {
  readonly #pairs = new Map<string, SerializerPair>([['json', jsonText()]]);

  /** The registered names, in registration order (`json` first). */
  names(): string[] {
    return [...this.#pairs.keys()];
  }

  register(name: string, serialize: SerializeFn, deserialize: DeserializeFn): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new BusError('CONFIG_INVALID', 'registerSerializer() needs a non-empty name.');
    }
    if (typeof serialize !== 'function' || typeof deserialize !== 'function') {
      throw new BusError('CONFIG_INVALID', `registerSerializer('${name}') needs an encode and a decode function.`);
    }
    this.#pairs.set(name, { serialize, deserialize });
  }

  serialize(name: string, data: unknown): unknown {
    return this.#get(name, 'ENCODE_FAILED').serialize(data);
  }

  deserialize(name: string, blob: unknown): unknown {
    return this.#get(name, 'DECODE_FAILED').deserialize(blob);
  }

  #get(name: string, code: 'ENCODE_FAILED' | 'DECODE_FAILED'): SerializerPair {
    const pair = typeof name === 'string' ? this.#pairs.get(name) : undefined;
    if (pair === undefined) {
      throw new BusError(code, `Serializer '${String(name)}' not found; registered: ${this.names().join(', ')}.`, {
        details: { serializer: name },
      });
    }
    return pair;
  }
}
