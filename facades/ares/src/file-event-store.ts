/**
 * `FileEventStore`: the legacy file layout, byte-compatible with the Python
 * system's reader.
 *
 * ```
 * {storagePath}/events/events_YYYYMMDD.jsonl            one event per line, by the event's UTC day
 * {storagePath}/snapshots/snapshot_{aggregate}_{seq}.json
 * ```
 *
 * Lines are `Event.toJSON()`: snake_case keys, timestamps as Python's
 * `isoformat()` writes them. Every `events_*.jsonl` file is read, so files the
 * Python system named `events_YYYY-MM-DD.jsonl` are read too. Like the legacy
 * store, it reads the files on every `getEvents` (so it sees what another
 * process appended) and answers failures with `false`, `[]` or `null`; here
 * each failure is also reported to `onError`, and an unreadable line is
 * skipped instead of emptying the whole result.
 */
import { mkdir, open, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BusError, consoleLogger, type Logger } from '@bus/core';
import { Event } from './event.js';
import { EventSnapshot } from './event-snapshot.js';
import {
  type EventFilter,
  type GetEventsOptions,
  type IEventStore,
  matchesEventFilter,
  sortBySequence,
  toEventFilter,
} from './event-store.js';
import { isPlainObject } from './plain-object.js';

/**
 * Options of `new FileEventStore(storagePath, options)`.
 *
 * @example
 * ```ts
 * const store = new FileEventStore('event_store', { onError: (error) => logger.error(error.message) });
 * ```
 */
export interface FileEventStoreOptions {
  /**
   * Receives what the store could not do (a failed write, an unreadable line or
   * file: `STORE_FAILED`; an argument of the wrong type: `INVALID_EVENT`) as a
   * `BusError`, while the method answers as the legacy did (`false`, `[]`,
   * skipping the line, `null`). Default: `logger.error`.
   */
  readonly onError?: ((error: BusError) => void) | undefined;
  /** Where failures go without `onError`: pino, `console`, or any `Logger`. Default `consoleLogger()`. */
  readonly logger?: Logger | undefined;
}

const EVENT_FILE = /^events_.+\.jsonl$/;

/**
 * The legacy file-based event store: JSON Lines per UTC day, one JSON file
 * per snapshot. Directories are made on the first write.
 *
 * @example
 * ```ts
 * const store = new FileEventStore(mkdtempSync(join(tmpdir(), 'event_store-')));
 * await store.saveEvent(new Event(EventType.TRADE_EXECUTED, { symbol: 'BTCUSDT', quantity: 1 }, { metadata: new EventMetadata({ sequenceNumber: 1 }) }));
 * const events = await store.getEvents({ fromSequence: 1, toSequence: 3 }); // inclusive
 * ```
 */
export class FileEventStore implements IEventStore {
  /** The store's directory. */
  readonly storagePath: string;
  /** `{storagePath}/events`. */
  readonly eventsPath: string;
  /** `{storagePath}/snapshots`. */
  readonly snapshotsPath: string;
  readonly #onError: (error: BusError) => void;
  /** Appends one at a time, so a line is never split by another. */
  #writes: Promise<unknown> = Promise.resolve();
  /** Files checked for a missing final newline (a torn write) in this process. */
  readonly #checkedFiles = new Set<string>();

  /** Opens (lazily) the store at `storagePath`; throws `CONFIG_INVALID` unless it is a non-empty string. */
  constructor(storagePath = 'event_store', options: FileEventStoreOptions = {}) {
    if (typeof storagePath !== 'string' || storagePath.length === 0) {
      throw new BusError('CONFIG_INVALID', `FileEventStore needs a storage path (a non-empty string), got ${JSON.stringify(storagePath)}.`);
    }
    this.storagePath = storagePath;
    this.eventsPath = join(storagePath, 'events');
    this.snapshotsPath = join(storagePath, 'snapshots');
    const logger = options.logger ?? consoleLogger();
    this.#onError =
      options.onError ??
      ((error) => logger.error({ err: error, code: error.code, eventId: error.eventId }, `[FileEventStore] ${error.message}`));
  }

  /** Appends the event to its day's file; `false` (and `onError`) when it could not. */
  async saveEvent(event: Event): Promise<boolean> {
    if (!(event instanceof Event)) return this.#rejected(new BusError('INVALID_EVENT', 'saveEvent() takes an Event.'), false);
    const day = event.metadata.timestamp.toISOString().slice(0, 10).replaceAll('-', '');
    const file = join(this.eventsPath, `events_${day}.jsonl`);
    const run = this.#writes.then(async () => {
      let line: string;
      try {
        line = `${JSON.stringify(event)}\n`;
      } catch (error) {
        return this.#failed(
          `event ${event.metadata.eventId} cannot be written as JSON: ${messageOf(error)}`,
          error,
          event.metadata.eventId,
        );
      }
      try {
        await mkdir(this.eventsPath, { recursive: true });
        await writeFile(file, `${await this.#separatorFor(file)}${line}`, { flag: 'a' });
        return true;
      } catch (error) {
        return this.#failed(
          `could not save event ${event.metadata.eventId} to ${file}: ${messageOf(error)}`,
          error,
          event.metadata.eventId,
        );
      }
    });
    this.#writes = run;
    return run;
  }

  /**
   * Reads every `events_*.jsonl` file and returns the events that pass the
   * filter, sorted by sequence number. Bad options answer `[]` (reported to
   * `onError` as `INVALID_EVENT`); an unreadable line or file is reported and skipped.
   */
  async getEvents(options: GetEventsOptions = {}): Promise<Event[]> {
    let filter: EventFilter;
    try {
      filter = toEventFilter(options);
    } catch (error) {
      return this.#rejected(error as BusError, []);
    }
    let names: string[];
    try {
      names = (await readdir(this.eventsPath)).filter((name) => EVENT_FILE.test(name)).sort();
    } catch (error) {
      if (isMissing(error)) return [];
      this.#failed(`could not list ${this.eventsPath}: ${messageOf(error)}`, error);
      return [];
    }
    const events: Event[] = [];
    for (const name of names) {
      let text: string;
      try {
        text = await readFile(join(this.eventsPath, name), 'utf8');
      } catch (error) {
        this.#failed(`could not read events/${name}: ${messageOf(error)}`, error);
        continue;
      }
      const lines = text.split('\n');
      for (const [index, line] of lines.entries()) {
        if (line.trim().length === 0) continue;
        let event: Event;
        try {
          event = Event.fromDict(JSON.parse(line) as Record<string, unknown>);
        } catch (error) {
          this.#failed(`events/${name} line ${index + 1} is not a readable event (${messageOf(error)}); skipped.`, error);
          continue;
        }
        if (matchesEventFilter(event, filter)) events.push(event);
      }
    }
    return sortBySequence(events);
  }

  /** Writes `snapshots/snapshot_{aggregate}_{seq}.json` whole (a temporary file, then a rename); `false` when it could not. */
  async saveSnapshot(snapshot: EventSnapshot): Promise<boolean> {
    if (!(snapshot instanceof EventSnapshot))
      return this.#rejected(new BusError('INVALID_EVENT', 'saveSnapshot() takes an EventSnapshot.'), false);
    const file = join(this.snapshotsPath, `${snapshotPrefix(snapshot.aggregateId)}${snapshot.sequenceNumber}.json`);
    try {
      await mkdir(this.snapshotsPath, { recursive: true });
      const temporary = `${file}.tmp-${process.pid}`;
      await writeFile(temporary, JSON.stringify(snapshot, null, 2));
      await rename(temporary, file);
      return true;
    } catch (error) {
      return this.#failed(`could not save snapshot ${snapshot.snapshotId} to ${file}: ${messageOf(error)}`, error);
    }
  }

  /**
   * The snapshot of `aggregateId` with the highest `sequence_number`, or null.
   * Only files named for exactly this aggregate and holding it count (the
   * legacy glob `snapshot_trader_*` also picked up `trader_1`'s).
   */
  async getLatestSnapshot(aggregateId: string): Promise<EventSnapshot | null> {
    if (typeof aggregateId !== 'string')
      return this.#rejected(new BusError('INVALID_EVENT', 'getLatestSnapshot() takes an aggregate id string.'), null);
    const prefix = snapshotPrefix(aggregateId);
    let names: string[];
    try {
      names = (await readdir(this.snapshotsPath)).filter(
        (name) => name.startsWith(prefix) && /^\d+\.json$/.test(name.slice(prefix.length)),
      );
    } catch (error) {
      if (!isMissing(error)) this.#failed(`could not list ${this.snapshotsPath}: ${messageOf(error)}`, error);
      return null;
    }
    let latest: EventSnapshot | null = null;
    for (const name of names.sort()) {
      let snapshot: EventSnapshot;
      try {
        const parsed: unknown = JSON.parse(await readFile(join(this.snapshotsPath, name), 'utf8'));
        if (!isPlainObject(parsed)) throw new Error('not a JSON object');
        snapshot = EventSnapshot.fromDict(parsed);
      } catch (error) {
        this.#failed(`snapshots/${name} is not a readable snapshot (${messageOf(error)}); skipped.`, error);
        continue;
      }
      if (snapshot.aggregateId !== aggregateId) continue;
      if (latest === null || snapshot.sequenceNumber > latest.sequenceNumber) latest = snapshot;
    }
    return latest;
  }

  /** `''`, or `'\n'` when the file ends without one (a write torn by a crash), so the new line stays whole. */
  async #separatorFor(file: string): Promise<string> {
    if (this.#checkedFiles.has(file)) return '';
    this.#checkedFiles.add(file);
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    try {
      handle = await open(file, 'r');
      const { size } = await handle.stat();
      if (size === 0) return '';
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      return last[0] === 0x0a ? '' : '\n';
    } catch (error) {
      if (isMissing(error)) return '';
      throw error;
    } finally {
      await handle?.close();
    }
  }

  /** Bad arguments: reported to `onError`, answered with the legacy value. */
  #rejected<R>(error: BusError, answer: R): R {
    this.#onError(error);
    return answer;
  }

  #failed(message: string, cause: unknown, eventId?: string): false {
    this.#onError(new BusError('STORE_FAILED', `FileEventStore ${this.storagePath}: ${message}`, { cause, eventId }));
    return false;
  }
}

/** `snapshot_{aggregate}_`, the aggregate URI-encoded so that no id can leave the directory (plain ids stay as they are). */
function snapshotPrefix(aggregateId: string): string {
  return `snapshot_${encodeURIComponent(aggregateId)}_`;
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
