/**
 * The legacy persist file: one `{"topic": …, "event": …}` JSON object a line.
 * Read back through `@bus/serialization`'s JSON codec, so a poisoned or
 * malformed line is a `BusError` naming the line, never a crash.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { BusError } from '@bus/core';
import { jsonCodec } from '@bus/serialization';

/**
 * An event as the queue holds it and as `persistAndReplay()` returns it.
 *
 * @example
 * ```ts
 * const record: QueuedEvent = { topic: 'alerts.db', event: { level: 'page' } };
 * ```
 */
export interface QueuedEvent {
  /** The topic it was published to. */
  readonly topic: string;
  /** The event (after the encrypt and serializer round trips, before extensions). */
  readonly event: unknown;
}

const codec = jsonCodec();
const encoder = new TextEncoder();

/** Replaces `file` with `records`, one JSON line each; nothing is written when one cannot be encoded. */
export async function writeJsonLines(file: string, records: readonly QueuedEvent[]): Promise<void> {
  const lines: string[] = [];
  for (const { topic, event } of records) {
    try {
      lines.push(`${JSON.stringify({ topic, event })}\n`);
    } catch (error) {
      throw new BusError('ENCODE_FAILED', `The event queued for '${topic}' cannot be written as JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  try {
    await writeFile(file, lines.join(''), 'utf8');
  } catch (error) {
    throw new BusError('STORE_FAILED', `Could not write the persist file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads the records of `file`, in order; blank lines are skipped. */
export async function readJsonLines(file: string): Promise<QueuedEvent[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BusError('STORE_FAILED', `Could not read the persist file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const records: QueuedEvent[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] as string).trim();
    if (line.length === 0) continue;
    let record: unknown;
    try {
      record = codec.decode(encoder.encode(line));
    } catch (error) {
      throw new BusError('DECODE_FAILED', `Line ${index + 1} of ${file} is not valid, safe JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (typeof record !== 'object' || record === null || typeof (record as { topic?: unknown }).topic !== 'string') {
      throw new BusError('DECODE_FAILED', `Line ${index + 1} of ${file} is not a {"topic", "event"} record.`);
    }
    const { topic, event } = record as { topic: string; event?: unknown };
    records.push({ topic, event });
  }
  return records;
}
