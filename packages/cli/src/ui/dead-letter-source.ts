/**
 * Where the web view finds dead letters: one shape over the outbox's dead
 * rows and a bus's resilience sink, so one page lists, inspects, redrives
 * and purges both.
 */
import type { EventEnvelope } from '@bus/core';
import type { OutboxDeadLetter, OutboxStore } from '@bus/outbox';
import type { DeadLetter, ResilienceExtension } from '@bus/resilience';
import { deadLetterErrorCode } from '../dead-letter-filter.js';
import { viewEnvelope } from '../envelope-view.js';

/** One dead letter as the web view shows it. */
export interface UiDeadLetter {
  /** Its id within its source (the outbox row's seq, the resilience letter's id). */
  readonly id: string;
  /** The event id. */
  readonly eventId: string;
  /** The event type. */
  readonly type: string;
  /** The last error's code, when the source keeps one. */
  readonly code: string | undefined;
  /** The last error's message. */
  readonly error: string;
  /** Attempts made. */
  readonly attempts: number;
  /** When it failed, RFC 3339. */
  readonly failedAt: string;
  /** Its partition key, if any. */
  readonly key: string | undefined;
  /** The envelope's attributes besides `data` (CloudEvents context and extensions). */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The event's data, as kept (bytes are shown as base64). */
  readonly data: unknown;
}

/** What the dead-letter page filters by. */
export interface UiDeadLetterFilter {
  readonly type?: string;
  readonly code?: string;
}

/** A place that keeps dead letters. */
export interface DeadLetterSource {
  /** Shown in the page and in URLs: `outbox`, `resilience`. */
  readonly name: string;
  list(filter: UiDeadLetterFilter): Promise<UiDeadLetter[]>;
  /** Sends the chosen letters again; resolves to how many went. */
  redrive(ids: readonly string[]): Promise<number>;
  /** Deletes the chosen letters; resolves to how many were deleted. Absent when the source cannot. */
  purge?(ids: readonly string[]): Promise<number>;
}

function view(
  id: string,
  envelope: EventEnvelope,
  rest: Omit<UiDeadLetter, 'id' | 'eventId' | 'type' | 'key' | 'attributes' | 'data'>,
): UiDeadLetter {
  // The CLI's envelope view: data decoded by its datacontenttype (JSON, MessagePack), else text or base64.
  const { data, ...attributes } = viewEnvelope(envelope).event;
  return {
    id,
    eventId: envelope.id,
    type: envelope.type,
    key: typeof envelope.partitionkey === 'string' ? envelope.partitionkey : undefined,
    attributes,
    data,
    ...rest,
  };
}

/** The outbox's dead rows (rows that exhausted their send attempts). */
export function outboxDeadLetterSource(store: OutboxStore): DeadLetterSource {
  const seqs = (ids: readonly string[]) => ids.map(Number).filter(Number.isSafeInteger);
  const fromRow = (row: OutboxDeadLetter) =>
    view(String(row.seq), row.envelope, {
      code: deadLetterErrorCode(row),
      error: row.lastError,
      attempts: row.attempts,
      failedAt: new Date(row.failedAt).toISOString(),
    });
  return {
    name: 'outbox',
    async list(filter) {
      const rows = await store.listDeadLetters({ ...(filter.type ? { type: filter.type } : {}), newestFirst: true, limit: 500 });
      return rows.map(fromRow).filter((letter) => !filter.code || letter.code === filter.code);
    },
    redrive: (ids) => store.redrive({ seqs: seqs(ids) }),
    purge: (ids) => store.purge({ seqs: seqs(ids) }),
  };
}

/** A bus's resilience dead letters (`bus.deadLetters`): its sink, redriven through the bus. */
export function resilienceDeadLetterSource(bus: ResilienceExtension): DeadLetterSource {
  const fromLetter = (letter: DeadLetter) =>
    view(letter.id, letter.event, {
      code: letter.error.code,
      error: letter.error.message,
      attempts: letter.attempts,
      failedAt: letter.time,
    });
  return {
    name: 'resilience',
    async list(filter) {
      const letters = await bus.deadLetters.list({ ...(filter.type ? { type: filter.type } : {}) });
      return letters
        .map(fromLetter)
        .filter((letter) => !filter.code || letter.code === filter.code)
        .reverse();
    },
    async redrive(ids) {
      let sent = 0;
      for (const id of ids) sent += (await bus.deadLetters.redrive(id)).redriven.length;
      return sent;
    },
    async purge(ids) {
      const sink = bus.deadLetters.sink;
      if (sink === undefined) return 0;
      let removed = 0;
      for (const id of ids) if ((await sink.remove(id)) === true) removed++;
      return removed;
    },
  };
}
