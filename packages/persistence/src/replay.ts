/**
 * Replay: republish stored events into the bus, in their order, marked so
 * handlers can tell them from new events and the `store()` plugin does not
 * store them again.
 */
import type { Bus, EnvelopeInput, EventEnvelope } from '@bus/core';
import type { EventStore, StoredEvent } from './event-store.js';
import { compileTypeFilter } from './type-filter.js';

/**
 * Which stored events to replay: one stream by version, or the log by position;
 * both narrowed by `types` and `filter`.
 *
 * @example
 * ```ts
 * await bus.eventStore.replay({ stream: 'trader-1', fromVersion: 1, toVersion: 3 });
 * await bus.eventStore.replay({ fromPosition: 1, types: ['trade.*'] });
 * ```
 */
export interface ReplayFilter {
  /** Replay this stream only, by version. */
  readonly stream?: string;
  /** With `stream`: the first version, inclusive. Default 0. */
  readonly fromVersion?: number;
  /** With `stream`: the last version, inclusive. Default: the end. */
  readonly toVersion?: number;
  /** Without `stream`: the first position, inclusive. Default 1. */
  readonly fromPosition?: number;
  /** Without `stream`: the last position, inclusive. Default: the end. */
  readonly toPosition?: number;
  /** Only these types (exact, or `*`/`#` patterns). */
  readonly types?: readonly string[];
  /** Only events for which this returns true. */
  readonly filter?: (record: StoredEvent) => boolean;
  /** Events read and published per batch (`publishBatch`). Default 100. */
  readonly batchSize?: number;
}

/**
 * What a replay did.
 *
 * @example
 * ```ts
 * const { replayed, lastPosition } = await bus.eventStore.replay({ types: ['orders.#'] });
 * ```
 */
export interface ReplayResult {
  /** How many events were republished. */
  readonly replayed: number;
  /** The position of the last event republished; 0 when none was. */
  readonly lastPosition: number;
}

/**
 * Whether an event is a replay (`replay: true`, set by {@link replay}).
 *
 * @example
 * ```ts
 * bus.subscribe('orders.created', (event) => {
 *   if (!isReplay(event)) sendConfirmationEmail(event.data);
 *   projection.apply(event);
 * });
 * ```
 */
export function isReplay(event: EventEnvelope): boolean {
  // Over a binary CloudEvents binding (Kafka headers) a boolean extension arrives as the string 'true'.
  return event.replay === true || event.replay === 'true';
}

/**
 * Republishes stored events into a started bus with `publishBatch`, in stream
 * or log order, each with its original id, time and attributes plus the
 * extension attribute `replay: true`. Upcasting runs on the way out of the
 * store (its `upcast` hook). Rejects with the first failure; the events before
 * it were published, so resume from the next position.
 *
 * @example
 * ```ts
 * const projection = createBus().use(json());
 * projection.subscribe('account.deposited', (event) => balances.add(event.subject, event.data.amount));
 * await projection.start();
 * await replay(projection, store, { types: ['account.*'] });
 * ```
 */
export async function replay(bus: Bus, store: EventStore, filter: ReplayFilter = {}): Promise<ReplayResult> {
  const batchSize = filter.batchSize ?? 100;
  const selector = compileTypeFilter(filter.types);
  const selected = (record: StoredEvent): boolean =>
    selector.matches(record.event) && (filter.filter === undefined || filter.filter(record));
  let replayed = 0;
  let lastPosition = 0;
  const publish = async (records: readonly StoredEvent[]): Promise<void> => {
    const chosen = records.filter(selected);
    if (chosen.length === 0) return;
    await bus.publishBatch(chosen.map((record): EnvelopeInput => ({ ...record.event, replay: true })));
    replayed += chosen.length;
    lastPosition = (chosen.at(-1) as StoredEvent).position;
  };
  if (filter.stream !== undefined) {
    let from = filter.fromVersion ?? 0;
    for (;;) {
      const page = await store.readStream(filter.stream, {
        from,
        limit: batchSize,
        ...(filter.toVersion !== undefined ? { to: filter.toVersion } : {}),
      });
      await publish(page);
      if (page.length < batchSize) break;
      from = (page.at(-1) as StoredEvent).version + 1;
    }
  } else {
    let fromPosition = filter.fromPosition ?? 1;
    for (;;) {
      const page = await store.readAll({
        fromPosition,
        limit: batchSize,
        ...(filter.toPosition !== undefined ? { toPosition: filter.toPosition } : {}),
        ...(selector.exactTypes !== undefined ? { types: selector.exactTypes } : {}),
      });
      await publish(page);
      if (page.length < batchSize) break;
      fromPosition = (page.at(-1) as StoredEvent).position + 1;
    }
  }
  return { replayed, lastPosition };
}
