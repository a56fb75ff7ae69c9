/**
 * The publish path: `publish`, `publishBatch` and `emit` once the bus has
 * started. Each builds the envelope, runs the composed publish chain, and
 * hands the result to the send interceptors and the transport — one
 * `transport.send` per publish or batch. With no publish middleware, no
 * interceptor and an in-process transport, `emit` skips the chain (the same
 * envelope, the same delivery, less work).
 */
import type { Bus, PublishReceipt } from './bus-api.js';
import type { BusEventEmitter } from './bus-events.js';
import { isThenable } from './compose.js';
import type { EnvelopeDefaults, EnvelopeInput, EventEnvelope, PublishOptions } from './envelope.js';
import { createEmittedEnvelope, createEnvelope, normalizeEnvelope } from './envelope.js';
import { BusError } from './errors.js';
import type { InFlight } from './in-flight.js';
import { type OwnMemoryTransport, ownMemoryTransport } from './memory-transport.js';
import type { PublishContext } from './pipeline.js';
import type { Reporter } from './reporter.js';
import type { SendInterceptor, SendNext } from './send-interceptor.js';
import type { Transport } from './transport.js';

const EMPTY_OPTIONS: PublishOptions = Object.freeze({});

// Built once per publish: fields assigned in the constructor, the cheapest way to build an object in V8.
class PublishCtx implements PublishContext {
  declare envelope: EventEnvelope;
  declare readonly options: PublishOptions;
  declare readonly bus: Bus;
  declare readonly batch: boolean;
  declare principal: string | undefined;
  /** For `publishBatch`: where the end of the chain collects the event for the batch's one send. */
  declare readonly collected: EventEnvelope[] | undefined;
  constructor(envelope: EventEnvelope, options: PublishOptions, bus: Bus, collected?: EventEnvelope[]) {
    this.envelope = envelope;
    this.options = options;
    this.bus = bus;
    this.batch = collected !== undefined;
    this.principal = options.principal;
    this.collected = collected;
  }
}

/** What the publish path is built from at `start()`. */
export interface PublishPathParts {
  readonly bus: Bus;
  readonly defaults: EnvelopeDefaults;
  readonly transport: Transport;
  readonly interceptors: readonly SendInterceptor[];
  /** Composes the publish middleware around the given end of the chain. */
  readonly compose: (terminal: (ctx: PublishContext) => void | Promise<void>) => (ctx: PublishContext) => void | Promise<void>;
  /** Whether any publish middleware is registered. */
  readonly hasMiddleware: boolean;
  /** Whether `emit` may skip the chain: also no deliver middleware on an in-process transport. */
  readonly emitDirect: boolean;
  readonly events: BusEventEmitter;
  readonly inFlight: InFlight;
  readonly reporter: Reporter;
}

/** The started bus's publishing. */
export class PublishPath {
  readonly #bus: Bus;
  readonly #defaults: EnvelopeDefaults;
  readonly #events: BusEventEmitter;
  readonly #inFlight: InFlight;
  readonly #reporter: Reporter;
  readonly #send: (messages: readonly EventEnvelope[], options: PublishOptions) => void | Promise<void>;
  readonly #chain: (ctx: PublishContext) => void | Promise<void>;
  readonly #sendOne: (message: EventEnvelope) => void | Promise<void>;
  /** The kernel's own memory transport, which `emit` fires at without waiting; `undefined` for any other. */
  readonly #memory: OwnMemoryTransport | undefined;
  /** The memory transport when nothing stands between `publish` and it: the receipt is then one `then` away. */
  readonly #memoryDirect: OwnMemoryTransport | undefined;
  /** With no publish middleware and no interceptor: `publish` hands the envelope straight to the transport. */
  readonly #sendDirect: ((message: EventEnvelope) => void | Promise<void>) | undefined;
  /** `bus.emit` once started: chosen at start, so the hot call site sees one function. */
  readonly emit: (type: string, data: unknown) => void;

  constructor(parts: PublishPathParts) {
    this.#bus = parts.bus;
    this.#defaults = parts.defaults;
    this.#events = parts.events;
    this.#inFlight = parts.inFlight;
    this.#reporter = parts.reporter;
    const transport = parts.transport;
    const memory = ownMemoryTransport(transport);
    this.#memory = memory;
    this.#sendOne = memory === undefined ? (message) => this.#send([message], EMPTY_OPTIONS) : (message) => memory.sendOne(message);
    this.#sendDirect = parts.hasMiddleware || parts.interceptors.length > 0 ? undefined : this.#sendOne;
    this.#memoryDirect = this.#sendDirect === undefined ? undefined : memory;
    this.emit = !parts.emitDirect
      ? this.#emitThroughChain.bind(this)
      : memory === undefined
        ? this.#emitToTransport.bind(this)
        : this.#emitToMemory.bind(this);
    this.#send = composeSend(parts.interceptors, parts.transport);
    this.#chain = parts.compose(this.#terminal);
  }

  /** The end of the publish chain: send alone, or collect for the batch's one send. */
  readonly #terminal = (ctx: PublishContext): void | Promise<void> => {
    const collected = (ctx as PublishCtx).collected;
    if (collected !== undefined) {
      collected.push(ctx.envelope);
      return;
    }
    return this.#send([ctx.envelope], ctx.options);
  };

  publish<T>(typeOrEvent: string | EnvelopeInput<T>, data: T, options: PublishOptions | undefined): Promise<PublishReceipt> {
    let envelope: EventEnvelope;
    try {
      envelope =
        typeof typeOrEvent === 'string'
          ? createEnvelope(typeOrEvent, data, options, this.#defaults)
          : normalizeEnvelope(typeOrEvent, this.#defaults);
    } catch (error) {
      return Promise.reject(error);
    }
    let result: void | Promise<void>;
    try {
      const memory = this.#memoryDirect;
      if (memory !== undefined) {
        // Its promise never rejects, and each delivery in it is tracked already.
        result = memory.sendOne(envelope);
        return result === undefined ? Promise.resolve(this.#published(envelope)) : result.then(() => this.#published(envelope));
      }
      // With no publish middleware there is no chain to hand a context to.
      result =
        this.#sendDirect !== undefined
          ? this.#sendDirect(envelope)
          : this.#chain(new PublishCtx(envelope, options ?? EMPTY_OPTIONS, this.#bus));
    } catch (error) {
      return Promise.reject(publishError(error, envelope));
    }
    if (isThenable(result)) {
      return this.#inFlight.track(
        result,
        () => this.#published(envelope),
        (error) => {
          throw publishError(error, envelope);
        },
      );
    }
    return Promise.resolve(this.#published(envelope));
  }

  async publishBatch(events: readonly EnvelopeInput[], options: PublishOptions): Promise<PublishReceipt[]> {
    if (!Array.isArray(events)) throw new BusError('INVALID_EVENT', 'publishBatch() takes an array of events.');
    const toSend: EventEnvelope[] = [];
    const contexts = events.map((event) => new PublishCtx(normalizeEnvelope(event, this.#defaults), options, this.#bus, toSend));
    const run = async (): Promise<void> => {
      for (const ctx of contexts) {
        try {
          await this.#chain(ctx);
        } catch (error) {
          throw publishError(error, ctx.envelope);
        }
      }
      if (toSend.length > 0) {
        try {
          await this.#send(toSend, options);
        } catch (error) {
          throw publishError(error, toSend[0] as EventEnvelope);
        }
      }
    };
    await this.#inFlight.track(run(), noop, (error) => {
      throw error;
    });
    return contexts.map((ctx) => this.#published(ctx.envelope));
  }

  #emitToMemory(type: string, data: unknown): void {
    const event = createEmittedEnvelope(type, data, this.#defaults);
    (this.#memory as OwnMemoryTransport).fireOne(event);
    if (this.#events.heard.published) this.#events.emit('published', event);
  }

  #emitToTransport(type: string, data: unknown): void {
    const event = createEmittedEnvelope(type, data, this.#defaults);
    const result = this.#sendOne(event);
    if (result !== undefined)
      void this.#inFlight.track(result, noop, (error) => void this.#reporter.error(error, 'TRANSPORT_FAILED', event.id));
    if (this.#events.heard.published) this.#events.emit('published', event);
  }

  #emitThroughChain(type: string, data: unknown): void {
    const ctx = new PublishCtx(createEmittedEnvelope(type, data, this.#defaults), EMPTY_OPTIONS, this.#bus);
    let result: void | Promise<void>;
    try {
      result = this.#chain(ctx);
    } catch (error) {
      throw publishError(error, ctx.envelope);
    }
    if (isThenable(result)) {
      void this.#inFlight.track(
        result,
        () => this.#published(ctx.envelope),
        (error) => void this.#reporter.error(publishError(error, ctx.envelope), 'PUBLISH_FAILED'),
      );
      return;
    }
    this.#published(ctx.envelope);
  }

  #published(envelope: EventEnvelope): PublishReceipt {
    if (this.#events.heard.published) this.#events.emit('published', envelope);
    return { id: envelope.id, type: envelope.type };
  }
}

/**
 * A failure of the publish path as a `BusError` for the event: a `BusError`
 * as it is (the transport's are `TRANSPORT_FAILED`, see {@link composeSend}),
 * anything else a middleware threw `PUBLISH_FAILED` — not retryable, since
 * nothing says retrying helps.
 */
function publishError(error: unknown, envelope: EventEnvelope): BusError {
  return BusError.from(error, 'PUBLISH_FAILED', { eventId: envelope.id });
}

/** The transport's send behind the interceptors, in plugin order; the transport's failures become `TRANSPORT_FAILED`. */
function composeSend(
  interceptors: readonly SendInterceptor[],
  transport: Transport,
): (messages: readonly EventEnvelope[], options: PublishOptions) => void | Promise<void> {
  const neverRejects = ownMemoryTransport(transport) !== undefined;
  const transportSend: SendNext = (messages) => {
    let result: void | Promise<void>;
    try {
      result = transport.send(messages);
    } catch (error) {
      throw transportError(error, messages);
    }
    // The memory transport's promise is its handlers settling and never rejects: no `then` for it on the hot path.
    if (neverRejects || !isThenable(result)) return result;
    return result.then(undefined, (error: unknown) => Promise.reject(transportError(error, messages)));
  };
  if (interceptors.length === 0) return (messages) => transportSend(messages);
  return (messages, options) => {
    const at = (index: number): SendNext =>
      index === interceptors.length ? transportSend : (next) => (interceptors[index] as SendInterceptor)(next, options, at(index + 1));
    return at(0)(messages);
  };
}

function transportError(error: unknown, messages: readonly EventEnvelope[]): BusError {
  return BusError.from(error, 'TRANSPORT_FAILED', { eventId: messages[0]?.id });
}

function noop(): void {}
