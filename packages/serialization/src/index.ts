/**
 * `@bus/serialization`: codecs keyed by content type for the bus. JSON
 * (prototype-pollution safe, with size and depth limits), MessagePack and
 * octet-stream built in; custom codecs registrable; negotiation by
 * `datacontenttype`.
 *
 * @packageDocumentation
 */

export type { Codec } from './codec.js';
export type { CodecRegistry } from './codec-registry.js';
export { createCodecRegistry, mediaTypeOf } from './codec-registry.js';
export { JSON_CONTENT_TYPE, jsonCodec } from './json-codec.js';
export type { CodecLimits } from './limits.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from './limits.js';
export { MSGPACK_CONTENT_TYPE, msgpackCodec } from './msgpack-codec.js';
export { OCTET_STREAM_CONTENT_TYPE, octetStreamCodec } from './octet-stream-codec.js';
export type { SerializationExtension, SerializationOptions } from './serialization-plugin.js';
export { serialization } from './serialization-plugin.js';
