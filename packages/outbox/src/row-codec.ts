/**
 * How an envelope is kept in a row: its attributes as JSON text and its data
 * as bytes — the encoded bytes when a serialization plugin ran, else the
 * value's JSON — with a kind saying which, so the relay sends exactly what
 * the publish pipeline produced.
 */
import { BusError, type EventEnvelope } from '@bus/core';

/** What `payload` holds: nothing (`data` undefined), the encoded bytes, or a JSON value. */
export const PAYLOAD_KIND = { none: 0, bytes: 1, json: 2 } as const;

/** One of {@link PAYLOAD_KIND}. */
export type PayloadKind = (typeof PAYLOAD_KIND)[keyof typeof PAYLOAD_KIND];

/** The columns of one envelope. */
export interface EnvelopeColumns {
  readonly eventId: string;
  readonly type: string;
  readonly partitionKey: string | null;
  readonly attributes: string;
  readonly payload: Uint8Array | null;
  readonly payloadKind: PayloadKind;
  /** The JSON text `payload` encodes, for JSON data. */
  readonly json: string | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The columns of `envelope`; `ENCODE_FAILED` when its data is neither bytes nor JSON. */
export function envelopeColumns(envelope: EventEnvelope): EnvelopeColumns {
  const { data, ...attributes } = envelope;
  let payload: Uint8Array | null = null;
  let payloadKind: PayloadKind = PAYLOAD_KIND.none;
  let json: string | undefined;
  if (data instanceof Uint8Array) {
    payload = data;
    payloadKind = PAYLOAD_KIND.bytes;
  } else if (data !== undefined) {
    try {
      json = JSON.stringify(data);
    } catch (cause) {
      throw new BusError('ENCODE_FAILED', `The outbox cannot store the data of event ${envelope.id} as JSON: ${String(cause)}.`, {
        eventId: envelope.id,
        cause,
      });
    }
    if (json === undefined) {
      throw new BusError('ENCODE_FAILED', `The data of event ${envelope.id} has no JSON form; use a serialization plugin.`, {
        eventId: envelope.id,
      });
    }
    payload = encoder.encode(json);
    payloadKind = PAYLOAD_KIND.json;
  }
  const key = envelope.partitionkey;
  return {
    eventId: envelope.id,
    type: envelope.type,
    partitionKey: typeof key === 'string' && key.length > 0 ? key : null,
    attributes: JSON.stringify(attributes),
    payload,
    payloadKind,
    json,
  };
}

/** The envelope of a row's columns; `payload` is the JSON text itself where a layout keeps JSON data as text. */
export function envelopeOf(attributes: string | object, payload: Uint8Array | string | null, kind: number): EventEnvelope {
  const envelope = (typeof attributes === 'string' ? JSON.parse(attributes) : { ...attributes }) as EventEnvelope;
  if (kind === PAYLOAD_KIND.bytes)
    envelope.data = payload === null ? new Uint8Array(0) : typeof payload === 'string' ? encoder.encode(payload) : toUint8Array(payload);
  else if (kind === PAYLOAD_KIND.json && payload !== null)
    envelope.data = JSON.parse(typeof payload === 'string' ? payload : decoder.decode(payload));
  return envelope;
}

/** A plain `Uint8Array` view of a driver's bytes (pg returns a `Buffer`). */
function toUint8Array(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Epoch ms of a filter bound. */
export function millisOf(time: number | Date | undefined): number | undefined {
  return time instanceof Date ? time.getTime() : time;
}

/** The SQL order of dead letters a filter asks for: oldest first by default, newest first on request. */
export function deadOrder(filter: { readonly newestFirst?: boolean }, seq = 'seq'): string {
  return filter.newestFirst === true ? `failed_at DESC, ${seq} DESC` : seq;
}

/** `{ letterId }` of a dead-letter row read with its `letter_id`, where the layout has one; else nothing. */
export function letterIdOf(row: Record<string, unknown>): { letterId?: string } {
  return row.letter_id === null || row.letter_id === undefined ? {} : { letterId: String(row.letter_id) };
}

/** The payload of a row read with a layout's record columns: the bytes, or the JSON text where the layout keeps it. */
export function rowPayload(row: Record<string, unknown>): Uint8Array | string | null {
  return (row.payload as Uint8Array | null | undefined) ?? (row.payload_text as string | null | undefined) ?? null;
}
