/**
 * Envelopes as people and `jq` read them: byte data decoded with the codec
 * of its `datacontenttype` (JSON, MessagePack), else shown as UTF-8 text,
 * else as base64 — never a failure, since a dead letter may be the very
 * event that does not decode.
 */
import type { EventEnvelope } from '@bus/core';
import { createCodecRegistry, jsonCodec, msgpackCodec } from '@bus/serialization';

const codecs = createCodecRegistry([jsonCodec(), msgpackCodec()]);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** How the data of a viewed envelope was read. */
export type DataEncoding = 'decoded' | 'text' | 'base64' | 'none';

/** An envelope with JSON-safe data, and how that data was obtained. */
export interface EnvelopeView {
  /** The attributes, and `data` decoded (or as text, or base64). */
  readonly event: Record<string, unknown>;
  /** How `data` was read. */
  readonly dataEncoding: DataEncoding;
  /** Why the codec could not decode it, when it could not. */
  readonly decodeError?: string;
}

/** The view of `envelope`. */
export function viewEnvelope(envelope: EventEnvelope): EnvelopeView {
  const { data, ...attributes } = envelope;
  if (data === undefined) return { event: { ...attributes }, dataEncoding: 'none' };
  if (!(data instanceof Uint8Array)) return { event: { ...attributes, data }, dataEncoding: 'decoded' };
  let decodeError: string | undefined;
  const codec = codecs.get(envelope.datacontenttype ?? 'application/json');
  if (codec !== undefined) {
    try {
      return { event: { ...attributes, data: jsonSafe(codec.decode(data)) }, dataEncoding: 'decoded' };
    } catch (error) {
      decodeError = error instanceof Error ? error.message : String(error);
    }
  }
  const tail = decodeError === undefined ? {} : { decodeError };
  try {
    return { event: { ...attributes, data: strictUtf8.decode(data) }, dataEncoding: 'text', ...tail };
  } catch {
    return { event: { ...attributes, data: Buffer.from(data).toString('base64') }, dataEncoding: 'base64', ...tail };
  }
}

/** `value` with what JSON cannot hold (bytes, bigints, dates from MessagePack) turned into strings. */
function jsonSafe(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}
