/** The default dead-letter sink: in memory, bounded, oldest evicted (and reported) first. */
import { BusError } from '@bus/core';
import { type DeadLetter, type DeadLetterSink, deadLetterMatches } from './dead-letter.js';

/**
 * Options of {@link memoryDeadLetterSink}.
 *
 * @example
 * ```ts
 * const sink = memoryDeadLetterSink({ limit: 50_000 });
 * ```
 */
export interface MemoryDeadLetterSinkOptions {
  /**
   * The most dead letters kept. When full, the oldest is evicted and emitted
   * on `bus.events` `'dropped'` (code `DEAD_LETTERED`). Default 10 000.
   */
  readonly limit?: number;
}

/**
 * Keeps dead letters in memory, for tests, for single-process apps, and as
 * the local index of {@link transportDeadLetterSink}. They do not survive a
 * restart.
 *
 * @example
 * ```ts
 * const sink = memoryDeadLetterSink();
 * const bus = createBus().use(resilience({ deadLetter: sink }));
 * // … later
 * console.log(await sink.list({ code: 'HANDLER_TIMEOUT' }));
 * ```
 */
export function memoryDeadLetterSink(options: MemoryDeadLetterSinkOptions = {}): DeadLetterSink {
  const limit = options.limit ?? 10_000;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new BusError('PLUGIN_INVALID', `memoryDeadLetterSink({ limit }) must be an integer >= 1, got ${String(limit)}.`);
  }
  const letters = new Map<string, DeadLetter>();
  return {
    put(letter, bus) {
      if (letters.size >= limit) {
        const [oldestId, oldest] = letters.entries().next().value as [string, DeadLetter];
        letters.delete(oldestId);
        bus.events.emit('dropped', {
          event: oldest.event,
          error: new BusError(
            'DEAD_LETTERED',
            `Dead letter ${oldestId} (event ${oldest.event.id}) evicted: the memory dead-letter sink keeps ${limit}.`,
            { eventId: oldest.event.id, cause: oldest.error, retryable: false },
          ),
        });
      }
      letters.set(letter.id, letter);
    },
    list(filter) {
      return [...letters.values()].filter((letter) => deadLetterMatches(letter, filter));
    },
    remove(id) {
      return letters.delete(id);
    },
  };
}
