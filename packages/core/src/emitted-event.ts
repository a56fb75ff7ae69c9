/**
 * The envelope `bus.emit()` hands to handlers on the fast path (no middleware,
 * in-process transport). A random id and a clock read each cost more than the
 * rest of an emit here, so both are made on first read and then kept.
 */
import type { EventEnvelope } from './envelope.js';
import { nowIso } from './envelope.js';

const ID = Symbol('id');
const TIME = Symbol('time');
const CREATE_ID = Symbol('createId');

/**
 * An envelope whose `id` and `time` are computed when first read (`time` is
 * then the time of that first read, within the same tick for synchronous
 * handlers). Spreading it (`{ ...event }`) does not copy them: use `toJSON()`
 * for a plain envelope.
 *
 * @example
 * ```ts
 * bus.subscribe('tick', (event) => {
 *   if (event instanceof EmittedEvent) store.push(event.toJSON());
 * });
 * ```
 */
export class EmittedEvent<T = unknown> {
  /** Always `'1.0'`. */
  declare readonly specversion: '1.0';
  /** The event type. */
  declare readonly type: string;
  /** The payload. */
  declare readonly data: T;
  /** The bus's source. */
  declare readonly source: string;
  declare private [ID]: string | undefined;
  declare private [TIME]: string | undefined;
  declare private readonly [CREATE_ID]: () => string;

  // Fields are assigned here rather than declared with initialisers: this
  // constructor runs once per emit and plain assignments are the cheapest.
  constructor(type: string, data: T, source: string, createId: () => string) {
    this.specversion = '1.0';
    this.type = type;
    this.data = data;
    this.source = source;
    this[ID] = undefined;
    this[TIME] = undefined;
    this[CREATE_ID] = createId;
  }

  /** The event id, made on first read. */
  get id(): string {
    this[ID] ??= this[CREATE_ID]();
    return this[ID];
  }

  /** RFC 3339, taken on first read. */
  get time(): string {
    this[TIME] ??= nowIso();
    return this[TIME];
  }

  /** A plain envelope with every attribute. */
  toJSON(): EventEnvelope<T> {
    return { id: this.id, source: this.source, type: this.type, specversion: '1.0', time: this.time, data: this.data };
  }
}
