/**
 * The envelope `bus.emit()` hands to handlers on the fast path (no middleware,
 * in-process transport). A random id and an ISO time cost more than the whole
 * rest of an emit, so both are made on first read and then kept.
 */
import type { EventEnvelope } from './envelope.js';
import { nowIso } from './envelope.js';

/**
 * An envelope whose `id` and `time` are computed when first read. Spreading it
 * (`{ ...event }`) does not copy them: use `toJSON()` for a plain copy.
 */
export class EmittedEvent<T = unknown> {
  readonly specversion = '1.0' as const;
  #id: string | undefined;
  readonly #timeMillis = Date.now();
  #time: string | undefined;

  constructor(
    readonly type: string,
    readonly data: T,
    readonly source: string,
    private readonly createId: () => string,
  ) {}

  /** The event id, made on first read. */
  get id(): string {
    this.#id ??= this.createId();
    return this.#id;
  }

  /** When `emit` was called, RFC 3339, formatted on first read. */
  get time(): string {
    this.#time ??= this.#timeMillis === Date.now() ? nowIso() : new Date(this.#timeMillis).toISOString();
    return this.#time;
  }

  /** A plain envelope with every attribute. */
  toJSON(): EventEnvelope<T> {
    return { id: this.id, source: this.source, type: this.type, specversion: '1.0', time: this.time, data: this.data };
  }
}
