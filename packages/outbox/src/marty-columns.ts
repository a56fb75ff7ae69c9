/**
 * The Python columns of a row in the `'marty'` layout, taken from the
 * envelope: `event_data` is the data's JSON (a Marty event's data is its
 * `to_dict()`, which is what Python wrote there) — also when a serialization
 * plugin made it UTF-8 JSON bytes, which the text gives back exactly —,
 * `event_metadata` the `metadata` object in it, and the indexed columns
 * (`priority`, `correlation_id`, `source_service`, `tenant_id`) from that
 * metadata, else from the envelope's attributes.
 */
import { isUtf8 } from 'node:buffer';
import { createEventId, type EventEnvelope } from '@bus/core';
import { type EnvelopeColumns, PAYLOAD_KIND } from './row-codec.js';

/** The `'marty'` layout's columns of one envelope, beside its {@link EnvelopeColumns}. */
export interface MartyColumns {
  /**
   * `id`: a fresh UUID — version 7, ordered by time, where SQLAlchemy's default made a uuid4: random keys made the
   * unique index on `id` cost about 40% more per insert in SQLite (100,000 rows).
   */
  readonly id: string;
  /** `event_data`: the data's JSON text; `null` (the JSON text) for no data or bytes that are not JSON (those are in `bus_payload`). */
  readonly eventData: string;
  /** `event_metadata`: the JSON of the data's `metadata` object, if it has one. */
  readonly eventMetadata: string | null;
  /** `priority`: the metadata's integer priority (`EventPriority`), else the envelope's, else NORMAL (2). */
  readonly priority: number;
  readonly correlationId: string | null;
  readonly sourceService: string | null;
  readonly tenantId: string | null;
  /** `bus_payload`: the bytes a serialization plugin made when they are not UTF-8 JSON, else null. */
  readonly payload: Uint8Array | null;
}

const NORMAL_PRIORITY = 2;

/** The Python columns of `envelope`, whose bus columns are `c`. */
export function martyColumns(envelope: EventEnvelope, c: EnvelopeColumns): MartyColumns {
  const json = jsonOf(c, envelope.data);
  const data = json?.data;
  const metadata = isRecord(data) && isRecord(data.metadata) ? data.metadata : undefined;
  const text = (python: string, attribute: unknown): string | null => {
    const value = metadata === undefined ? attribute : metadata[python];
    return typeof value === 'string' ? value : null;
  };
  const priority = [metadata?.priority, envelope.priority].find((value) => Number.isInteger(value));
  return {
    id: createEventId(),
    eventData: json?.text ?? 'null',
    eventMetadata: metadata === undefined ? null : JSON.stringify(metadata),
    priority: typeof priority === 'number' ? priority : NORMAL_PRIORITY,
    correlationId: text('correlation_id', envelope.correlationid),
    sourceService: text('source_service', envelope.source),
    tenantId: text('tenant_id', envelope.tenantid),
    payload: json === undefined ? c.payload : null,
  };
}

/**
 * The payload as JSON text and its value, if it is some: always for JSON data, for bytes when they are valid UTF-8 (so the text
 * encodes back to the very bytes; a BOM stays in it, and fails the parse) that parse as JSON.
 */
function jsonOf(c: EnvelopeColumns, data: unknown): { readonly text: string; readonly data: unknown } | undefined {
  if (c.payloadKind === PAYLOAD_KIND.json) return c.json === undefined ? undefined : { text: c.json, data };
  if (c.payload === null || !isUtf8(c.payload)) return undefined;
  const text = Buffer.from(c.payload.buffer, c.payload.byteOffset, c.payload.byteLength).toString('utf8');
  try {
    return { text, data: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/**
 * A time in the `'marty'` layout's SQLite columns: SQLAlchemy's `DateTime` text (`YYYY-MM-DD HH:MM:SS.ffffff`,
 * UTC), which Python parses and which sorts and compares as text in time order.
 */
export function sqliteMartyTime(ms: number): string {
  // Made once per ms: each publish's row has one (3% of a SQLite publish when made each time).
  if (ms !== lastMs) {
    lastMs = ms;
    lastText = `${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}000`;
  }
  return lastText;
}

let lastMs = Number.NaN;
let lastText = '';

/** Epoch ms of a {@link sqliteMartyTime} text. */
export function sqliteMartyMs(text: unknown): number {
  return Date.parse(`${String(text).replace(' ', 'T')}Z`);
}
