/**
 * The JSON Lines backend: the Ares `FileEventStore` layout, an append-only
 * log a person can read with `grep` and `zcat`.
 *
 * ```
 * <directory>/events/events_YYYYMMDD.jsonl      one stored event per line, a file per UTC day
 * <directory>/events/events_YYYYMMDD.jsonl.gz   a past day, gzipped (with `compress: true`)
 * <directory>/snapshots/snapshot_<stream>_<version>.json
 * <directory>/heads.json                        stream versions and the last position, kept across purges
 * ```
 *
 * Every event is also held in memory (the log is read once, at open), so
 * reads are as fast as the memory backend's. One process writes a directory
 * at a time. A crash mid-append leaves a torn last line: it is reported
 * through `onWarning`, cut off (kept aside as `<file>.torn-<time>`), and the
 * rest of the log reads and appends as before.
 */
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BusError, consoleLogger, type Logger } from '@bus/core';
import type { AppendRequest, AppendResult, BackendPurge, EventStoreBackend, LogRange, StoredEvent, StreamRange } from './event-store.js';
import { dayOf, formatAppend, LOG_FILE, logFileName, parseLogFile } from './jsonl-log-file.js';
import { MemoryEventLog } from './memory-log.js';
import type { Snapshot } from './snapshots.js';

/**
 * Options of {@link jsonlBackend}.
 *
 * @example
 * ```ts
 * const backend = jsonlBackend({ directory: 'event_store', compress: true, onWarning: (message) => log.warn(message) });
 * ```
 */
export interface JsonlBackendOptions {
  /** The store's directory (the Ares `storage_path`); created if missing. */
  readonly directory: string;
  /** Gzip each day's file once a later day's file is started (and past days' files at open). Default false. */
  readonly compress?: boolean;
  /** `fsync` after every append, so it survives a power loss, not only a crash of the process. Default false. */
  readonly fsync?: boolean;
  /** Receives what recovery found (a torn last line, an unreadable line). Default: `logger.warn`. */
  readonly onWarning?: (message: string) => void;
  /** Where recovery's warnings go without `onWarning`: pino, `console`, or any `Logger`. Default `consoleLogger()`. */
  readonly logger?: Logger;
}

const CAPABILITIES = Object.freeze({ durable: true, multiWriter: false });

/**
 * Creates a JSON Lines backend over a directory, read when first used.
 *
 * @example
 * ```ts
 * const store = createEventStore({ backend: jsonlBackend({ directory: 'event_store', compress: true }) });
 * ```
 */
export function jsonlBackend(options: JsonlBackendOptions): EventStoreBackend {
  if (typeof options?.directory !== 'string' || options.directory.length === 0) {
    throw new BusError('PLUGIN_INVALID', 'jsonlBackend() needs a `directory`.');
  }
  return new JsonlBackend(options);
}

/** A day's log file and the positions it holds. */
interface LogFile {
  readonly day: string;
  compressed: boolean;
  first: number;
  last: number;
}

interface Heads {
  readonly lastPosition: number;
  readonly streams: Record<string, number>;
}

class JsonlBackend implements EventStoreBackend {
  readonly name = 'jsonl';
  readonly capabilities = CAPABILITIES;
  readonly #events: string;
  readonly #snapshots: string;
  readonly #warn: (message: string) => void;
  readonly #log = new MemoryEventLog();
  /** The day files, oldest first. */
  #files: LogFile[] = [];
  #handle: FileHandle | undefined;
  #handleDay: string | undefined;
  #handleSize = 0;
  #ready: Promise<void> | undefined;
  /** Appends, purges and closing, one at a time. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(private readonly options: JsonlBackendOptions) {
    this.#events = join(options.directory, 'events');
    this.#snapshots = join(options.directory, 'snapshots');
    const logger = options.logger ?? consoleLogger();
    this.#warn = options.onWarning ?? ((message) => logger.warn({ backend: 'jsonl', directory: options.directory }, message));
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return this.#exclusive(async () => {
      const prepared = this.#log.prepare(request);
      if (prepared.written.length === 0) return prepared.result;
      let text: string;
      try {
        text = formatAppend(prepared.written);
      } catch (error) {
        throw new BusError('INVALID_EVENT', `An event cannot be stored as JSON: ${(error as Error).message}`, {
          eventId: request.events[0]?.id,
          cause: error,
        });
      }
      const handle = await this.#handleFor(dayOf(request.storedAt));
      const bytes = Buffer.from(text);
      try {
        await handle.write(bytes, 0, bytes.length, null);
        if (this.options.fsync) await handle.datasync();
      } catch (error) {
        // Leave no half-written append behind: cut the file back to where it was.
        await handle.truncate(this.#handleSize).catch(() => undefined);
        throw BusError.from(error, 'STORE_FAILED');
      }
      this.#handleSize += bytes.length;
      this.#log.commit(prepared.written);
      const file = this.#files.at(-1) as LogFile;
      if (file.first === 0) file.first = (prepared.written[0] as StoredEvent).position;
      file.last = prepared.result.position;
      return prepared.result;
    });
  }

  async readStream(stream: string, range: StreamRange): Promise<StoredEvent[]> {
    await this.#open();
    return this.#log.readStream(stream, range);
  }

  async readAll(range: LogRange): Promise<StoredEvent[]> {
    await this.#open();
    return this.#log.readAll(range);
  }

  async streamVersion(stream: string): Promise<number> {
    await this.#open();
    return this.#log.streamVersion(stream);
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    await this.#open();
    const file = join(this.#snapshots, `snapshot_${encodeURIComponent(snapshot.stream)}_${snapshot.version}.json`);
    await writeAtomically(file, `${JSON.stringify(snapshot)}\n`);
  }

  async loadSnapshot(stream: string): Promise<Snapshot | undefined> {
    await this.#open();
    const prefix = `snapshot_${encodeURIComponent(stream)}_`;
    const versions = (await readdir(this.#snapshots))
      .filter((name) => name.startsWith(prefix) && /^\d+\.json$/.test(name.slice(prefix.length)))
      .map((name) => Number(name.slice(prefix.length, -'.json'.length)))
      .sort((a, b) => b - a);
    for (const version of versions) {
      const name = `${prefix}${version}.json`;
      try {
        return JSON.parse(await readFile(join(this.#snapshots, name), 'utf8')) as Snapshot;
      } catch (error) {
        this.#warn(`snapshots/${name} is unreadable (${(error as Error).message}); trying an older snapshot.`);
      }
    }
    return undefined;
  }

  purge(criteria: BackendPurge): Promise<number> {
    return this.#exclusive(async () => {
      const removed = this.#log.purge(criteria);
      if (removed.length === 0) return 0;
      // First remember how far every stream got, then rewrite the files.
      await this.#saveHeads();
      const touched = new Set(removed.map((record) => this.#fileOf(record.position)));
      for (const file of this.#files) {
        if (!touched.has(file)) continue;
        const kept = this.#log.readAll({ fromPosition: file.first, toPosition: file.last, limit: Number.POSITIVE_INFINITY });
        const path = join(this.#events, logFileName(file.day, file.compressed));
        if (file.day === this.#handleDay) await this.#closeHandle();
        if (kept.length === 0 && file !== this.#files.at(-1)) {
          await rm(path, { force: true });
          file.first = file.last = -1;
          continue;
        }
        // One line per event: every rewritten event stands on its own.
        const text = kept.map((record) => formatAppend([record])).join('');
        await writeAtomically(path, file.compressed ? gzipSync(text) : text);
      }
      this.#files = this.#files.filter((file) => file.first !== -1);
      return removed.length;
    });
  }

  close(): Promise<void> {
    if (this.#closed) return this.#queue.then(noop, noop);
    this.#closed = true;
    const closing = this.#queue.then(noop, noop).then(() => this.#closeHandle());
    this.#queue = closing;
    return closing;
  }

  /** Runs `work` after everything queued before it, once the log is open. */
  #exclusive<R>(work: () => Promise<R>): Promise<R> {
    if (this.#closed) return Promise.reject(new BusError('STORE_FAILED', 'The JSON Lines backend is closed.', { retryable: false }));
    const run = this.#queue.then(noop, noop).then(async () => {
      await this.#open();
      return work();
    });
    this.#queue = run;
    return run;
  }

  #open(): Promise<void> {
    if (this.#ready === undefined) {
      const ready = this.#load();
      // A failed open (a permission, a full disk) is tried again on the next call.
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
      this.#ready = ready;
    }
    return this.#ready;
  }

  async #load(): Promise<void> {
    try {
      await mkdir(this.#events, { recursive: true });
      await mkdir(this.#snapshots, { recursive: true });
      const names = (await readdir(this.#events)).filter((name) => LOG_FILE.test(name)).sort();
      const byDay = new Map<string, { plain?: string; gz?: string }>();
      for (const name of names) {
        const [, day, gz] = LOG_FILE.exec(name) as RegExpExecArray;
        const entry = byDay.get(day as string) ?? {};
        if (gz === undefined) entry.plain = name;
        else entry.gz = name;
        byDay.set(day as string, entry);
      }
      const days = [...byDay.keys()].sort();
      for (const [index, day] of days.entries()) {
        const entry = byDay.get(day) as { plain?: string; gz?: string };
        if (entry.gz !== undefined && entry.plain !== undefined) {
          // A crash between writing the .gz and removing the plain file: the .gz is whole (it was renamed into place).
          await rm(join(this.#events, entry.plain), { force: true });
        }
        const compressed = entry.gz !== undefined;
        const name = (entry.gz ?? entry.plain) as string;
        await this.#loadFile(name, day, compressed, index === days.length - 1);
      }
      try {
        const heads = JSON.parse(await readFile(join(this.options.directory, 'heads.json'), 'utf8')) as Heads;
        this.#log.restoreHeads(heads.lastPosition, heads.streams);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ENOENT') this.#warn(`heads.json is unreadable (${(error as Error).message}); ignored.`);
      }
      if (this.options.compress) {
        for (const file of this.#files.slice(0, -1)) if (!file.compressed) await this.#compress(file);
      }
    } catch (error) {
      throw BusError.from(error, 'STORE_FAILED');
    }
  }

  async #loadFile(name: string, day: string, compressed: boolean, newest: boolean): Promise<void> {
    const path = join(this.#events, name);
    const bytes = await readFile(path);
    const parsed = parseLogFile(`events/${name}`, bytes, compressed);
    for (const warning of parsed.warnings) this.#warn(warning);
    const file: LogFile = { day, compressed, first: 0, last: 0 };
    for (const record of parsed.records) {
      if (record.position <= this.#log.lastPosition || this.#log.has(record.event.id)) {
        this.#warn(`events/${name}: event ${record.event.id} at position ${record.position} repeats an earlier one; skipped.`);
        continue;
      }
      this.#log.add(record);
      if (file.first === 0) file.first = record.position;
      file.last = record.position;
    }
    this.#files.push(file);
    if (parsed.truncateAt !== undefined && newest) {
      // Keep the torn bytes aside for inspection, then cut them off so appends continue on a clean line.
      await writeFile(`${path}.torn-${Date.now()}`, bytes.subarray(parsed.truncateAt));
      const handle = await open(path, 'r+');
      try {
        await handle.truncate(parsed.truncateAt);
      } finally {
        await handle.close();
      }
      this.#warn(`events/${name}: cut back to ${parsed.truncateAt} bytes, the end of its last whole append.`);
    }
  }

  /** The append handle of the newest file, moving to `day`'s file when it is later. */
  async #handleFor(day: string): Promise<FileHandle> {
    const newest = this.#files.at(-1);
    // Files never go back in time: with a clock that did, events join the newest file.
    const target = newest !== undefined && newest.day >= day ? newest : undefined;
    if (target !== undefined && this.#handle !== undefined && this.#handleDay === target.day) return this.#handle;
    await this.#closeHandle();
    let file = target;
    if (file === undefined) {
      if (newest !== undefined && this.options.compress && !newest.compressed) await this.#compress(newest);
      file = { day, compressed: false, first: 0, last: 0 };
      this.#files.push(file);
    }
    if (file.compressed) {
      // Only when the clock went back to a compressed day: reopen it as plain text.
      await this.#decompress(file);
    }
    const path = join(this.#events, logFileName(file.day, false));
    this.#handle = await open(path, 'a');
    this.#handleDay = file.day;
    this.#handleSize = (await this.#handle.stat()).size;
    return this.#handle;
  }

  async #closeHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    this.#handleDay = undefined;
    await handle?.close();
  }

  async #compress(file: LogFile): Promise<void> {
    const plain = join(this.#events, logFileName(file.day, false));
    await writeAtomically(join(this.#events, logFileName(file.day, true)), gzipSync(await readFile(plain)));
    await rm(plain, { force: true });
    file.compressed = true;
  }

  async #decompress(file: LogFile): Promise<void> {
    const kept = this.#log.readAll({ fromPosition: file.first, toPosition: file.last, limit: Number.POSITIVE_INFINITY });
    await writeAtomically(join(this.#events, logFileName(file.day, false)), kept.map((record) => formatAppend([record])).join(''));
    await rm(join(this.#events, logFileName(file.day, true)), { force: true });
    file.compressed = false;
  }

  #fileOf(position: number): LogFile | undefined {
    return this.#files.find((file) => file.first <= position && position <= file.last);
  }

  async #saveHeads(): Promise<void> {
    const heads: Heads = { lastPosition: this.#log.lastPosition, streams: Object.fromEntries(this.#log.heads) };
    await writeAtomically(join(this.options.directory, 'heads.json'), `${JSON.stringify(heads)}\n`);
  }
}

/** Writes a file whole or not at all: a temporary file, then a rename. */
async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

function noop(): void {}
