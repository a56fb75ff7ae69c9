/**
 * The delivery path: what the kernel does with a message a transport hands
 * a subscription. Every delivery, from `publish`, `emit`, a broker or
 * `dispatch`, runs here: the composed deliver chain (or the handler alone
 * when no deliver middleware is installed), then the outcome — returning acks,
 * throwing nacks, but only to a transport that redelivers.
 */
import type { Bus, DispatchReport } from './bus-api.js';
import type { BusEventEmitter } from './bus-events.js';
import { isThenable } from './compose.js';
import type { EventEnvelope } from './envelope.js';
import type { BusError } from './errors.js';
import type { InFlight } from './in-flight.js';
import type { DeliveryContext } from './pipeline.js';
import type { Reporter } from './reporter.js';
import type { DeliveryTarget, SubscriptionRecord } from './subscriptions.js';

// Built once per delivery: fields assigned in the constructor, the cheapest way to build an object in V8.
class DeliveryCtx implements DeliveryContext {
  declare event: EventEnvelope;
  declare readonly subscription: SubscriptionRecord;
  declare readonly bus: Bus;
  declare attempt: number;
  declare signal: AbortSignal | undefined;
  constructor(event: EventEnvelope, subscription: SubscriptionRecord, bus: Bus) {
    this.event = event;
    this.subscription = subscription;
    this.bus = bus;
    this.attempt = 1;
    this.signal = undefined;
  }
}

/** What the delivery path is built from at `start()`. */
export interface DeliveryPathParts {
  readonly bus: Bus;
  /** The composed deliver chain, ending in the handler; `undefined` when no deliver middleware is installed. */
  readonly chain: ((ctx: DeliveryContext) => void | Promise<void>) | undefined;
  /** Whether the transport redelivers a nacked message (then a failure is thrown back to it). */
  readonly nackable: boolean;
  readonly events: BusEventEmitter;
  readonly inFlight: InFlight;
  readonly reporter: Reporter;
}

/** The started bus's deliveries. */
export class DeliveryPath implements DeliveryTarget {
  readonly #bus: Bus;
  readonly #chain: ((ctx: DeliveryContext) => void | Promise<void>) | undefined;
  readonly #nackable: boolean;
  readonly #events: BusEventEmitter;
  readonly #inFlight: InFlight;
  readonly #reporter: Reporter;

  constructor(parts: DeliveryPathParts) {
    this.#bus = parts.bus;
    this.#chain = parts.chain;
    this.#nackable = parts.nackable;
    this.#events = parts.events;
    this.#inFlight = parts.inFlight;
    this.#reporter = parts.reporter;
  }

  /** Delivers `message` to `record`: the handler alone when no deliver middleware is installed, else the chain. */
  deliver(record: SubscriptionRecord, message: EventEnvelope): void | Promise<void> {
    return this.#chain === undefined ? this.#deliverToHandler(record, message) : this.#deliverThroughChain(record, message);
  }

  /** The same as {@link DeliveryPath.deliver} for one subscription, with the choice made once: what its transport calls. */
  handlerFor(record: SubscriptionRecord): (message: EventEnvelope) => void | Promise<void> {
    return this.#chain === undefined
      ? (message) => this.#deliverToHandler(record, message)
      : (message) => this.#deliverThroughChain(record, message);
  }

  #deliverToHandler(record: SubscriptionRecord, message: EventEnvelope): void | Promise<void> {
    if (!record.active) return;
    // A context only if the handler declares one.
    const ctx = record.wantsContext ? new DeliveryCtx(message, record, this.#bus) : undefined;
    let result: void | Promise<void>;
    try {
      // One argument for a handler that declares one: a call whose argument count matches is the cheaper one.
      result =
        ctx === undefined ? (record.handler as (event: EventEnvelope) => void | Promise<void>)(message) : record.handler(message, ctx);
    } catch (error) {
      const failure = this.#reporter.failed(error, message, record);
      if (this.#nackable) throw failure;
      return;
    }
    if (!isThenable(result)) {
      if (this.#events.heard.delivered) this.#events.emit('delivered', message, record);
      return;
    }
    return this.#settled(result, ctx, message, record);
  }

  #deliverThroughChain(record: SubscriptionRecord, message: EventEnvelope): void | Promise<void> {
    if (!record.active) return;
    const ctx = new DeliveryCtx(message, record, this.#bus);
    let result: void | Promise<void>;
    try {
      result = (this.#chain as (ctx: DeliveryContext) => void | Promise<void>)(ctx);
    } catch (error) {
      const failure = this.#reporter.failed(error, ctx.event, record);
      if (this.#nackable) throw failure;
      return;
    }
    if (!isThenable(result)) {
      if (this.#events.heard.delivered) this.#events.emit('delivered', ctx.event, record);
      return;
    }
    return this.#settled(result, ctx, message, record);
  }

  /** The outcome of an asynchronous delivery: tracked for drain, reported, thrown back to a transport that redelivers. */
  #settled(result: Promise<void>, ctx: DeliveryCtx | undefined, message: EventEnvelope, record: SubscriptionRecord): Promise<void> {
    return this.#inFlight.track(
      result,
      () => {
        if (this.#events.heard.delivered) this.#events.emit('delivered', ctx?.event ?? message, record);
      },
      (error) => {
        const failure = this.#reporter.failed(error, ctx?.event ?? message, record);
        if (this.#nackable) throw failure;
      },
    );
  }

  /** Delivers `event` to `records` with no transport, and reports what failed. */
  async dispatch(event: EventEnvelope, records: readonly SubscriptionRecord[]): Promise<DispatchReport> {
    const failures: BusError[] = [];
    const onFailed = (error: BusError, failed: EventEnvelope): void => {
      if (failed.id === event.id) failures.push(error);
    };
    this.#events.on('failed', onFailed);
    try {
      await Promise.all(
        records.map((record) =>
          Promise.resolve()
            .then(() => this.deliver(record, event))
            .catch(noop),
        ),
      );
    } finally {
      this.#events.off('failed', onFailed);
    }
    return { delivered: records.length - failures.length, failures };
  }
}

/** The end of the deliver chain: the subscription's handler. */
export function callHandler(ctx: DeliveryContext): void | Promise<void> {
  return (ctx.subscription as SubscriptionRecord).handler(ctx.event, ctx);
}

function noop(): void {}
