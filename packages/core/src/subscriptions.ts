/**
 * The bus's subscriptions: `subscribe` checks and records one, plugins'
 * `onSubscribe` hooks may refuse it, and it is attached to the transport —
 * the one owner of routing — at `start()`, or at once when the bus runs.
 */
import { isThenable } from './compose.js';
import type { EnvelopeInput, EventEnvelope } from './envelope.js';
import { BusError } from './errors.js';
import type { SubscribeHook } from './plugin.js';
import type { Reporter } from './reporter.js';
import type { RouterFactory } from './router.js';
import type { EventHandler, SubscribeOptions, SubscriptionHandle } from './subscription.js';
import type { Transport, TransportSubscription } from './transport.js';

/** What a subscription hands its messages to: the started bus's delivery path. */
export interface DeliveryTarget {
  deliver(record: SubscriptionRecord, message: EventEnvelope): void | Promise<void>;
  /** What the transport calls with `record`'s messages: `deliver` for it, made once per attach. */
  handlerFor(record: SubscriptionRecord): (message: EventEnvelope) => void | Promise<void>;
}

/** A subscription as the kernel keeps it; what `subscribe` returns. */
export class SubscriptionRecord implements SubscriptionHandle {
  readonly name: string;
  readonly group: string | undefined;
  attached: TransportSubscription | undefined;
  /** Set once `attach` was called for it, so a start never attaches it twice. */
  attaching = false;
  active = true;
  /** Whether the handler declares a second parameter; if not, and no middleware needs one, no context is built. */
  readonly wantsContext: boolean;
  readonly #ready = Promise.withResolvers<void>();
  /** What `onSubscribe` hooks asked to run at unsubscribe, in registration order. */
  readonly cleanups: (() => void)[] = [];

  constructor(
    readonly id: string,
    readonly pattern: string,
    readonly handler: EventHandler,
    readonly options: Readonly<SubscribeOptions>,
    private readonly owner: Subscriptions,
  ) {
    this.name = options.name ?? pattern;
    this.group = options.group;
    this.wantsContext = handler.length !== 1;
    this.#ready.promise.catch(noop); // reported on bus.events too; awaiting `ready` is optional
  }

  get ready(): Promise<void> {
    return this.#ready.promise;
  }

  settleReady(error?: BusError): void {
    if (error === undefined) this.#ready.resolve();
    else this.#ready.reject(error);
  }

  unsubscribe(): Promise<void> {
    return this.owner.unsubscribe(this);
  }
}

/** Every subscription of one bus. */
export class Subscriptions {
  readonly records = new Map<string, SubscriptionRecord>();
  /** Set by `start()`. */
  target: DeliveryTarget = { deliver: noop, handlerFor: () => noop };
  #nextId = 0;

  constructor(
    private readonly hooks: readonly SubscribeHook[],
    private readonly reporter: Reporter,
  ) {}

  /** Checks and records a subscription; attaches it when `transport` is given (the bus runs). */
  subscribe(
    pattern: string,
    handler: EventHandler,
    options: SubscribeOptions,
    running: { readonly transport: Transport; readonly createRouter: RouterFactory } | undefined,
  ): SubscriptionRecord {
    if (typeof pattern !== 'string' || pattern.length === 0) {
      throw new BusError('INVALID_SUBSCRIPTION', 'subscribe() needs a non-empty pattern string.');
    }
    if (typeof handler !== 'function') {
      throw new BusError('INVALID_SUBSCRIPTION', `subscribe('${pattern}') needs a handler function.`);
    }
    if (options.group !== undefined && (typeof options.group !== 'string' || options.group.length === 0)) {
      throw new BusError('INVALID_SUBSCRIPTION', `subscribe('${pattern}'): group must be a non-empty string.`);
    }
    const record = new SubscriptionRecord(`sub-${++this.#nextId}`, pattern, handler, Object.freeze({ ...options }), this);
    try {
      for (const hook of this.hooks) {
        const cleanup = hook(record);
        if (typeof cleanup === 'function') record.cleanups.push(cleanup);
      }
      // Before start the router is not chosen yet: patterns are checked at start.
      if (running !== undefined) checkPattern(running.createRouter, pattern);
    } catch (error) {
      for (const undo of record.cleanups.reverse()) undo();
      throw BusError.from(error, 'INVALID_SUBSCRIPTION');
    }
    this.records.set(record.id, record);
    if (running !== undefined) {
      const attached = this.attach(record, running.transport);
      if (isThenable(attached)) attached.then(undefined, (error: unknown) => this.reporter.error(error, 'TRANSPORT_FAILED'));
    }
    return record;
  }

  /** Attaches every subscription not attached yet (those made while an asynchronous start ran included). */
  attachAll(transport: Transport): void | Promise<void> {
    const pending: Promise<void>[] = [];
    for (const record of this.records.values()) {
      const attached = this.attach(record, transport);
      if (isThenable(attached)) pending.push(attached);
    }
    if (pending.length > 0) return Promise.all(pending).then(noop);
  }

  /** Throws `INVALID_SUBSCRIPTION` for the first recorded pattern the router cannot match. */
  checkPatterns(createRouter: RouterFactory): void {
    for (const record of this.records.values()) checkPattern(createRouter, record.pattern);
  }

  /** Attaches a subscription to the transport: synchronously when the transport's `subscribe` is. */
  attach(record: SubscriptionRecord, transport: Transport): void | Promise<void> {
    if (record.attaching) return;
    record.attaching = true;
    const onAttached = (attached: TransportSubscription): void | Promise<void> => {
      if (!record.active) return attached.unsubscribe();
      record.attached = attached;
      record.settleReady();
    };
    const onFailed = (error: unknown): never => {
      const busError = BusError.from(error, 'TRANSPORT_FAILED');
      record.settleReady(busError);
      throw busError;
    };
    let attached: TransportSubscription | Promise<TransportSubscription>;
    try {
      attached = transport.subscribe({ id: record.id, pattern: record.pattern, group: record.group }, this.target.handlerFor(record));
    } catch (error) {
      return onFailed(error);
    }
    return isThenable(attached) ? attached.then(onAttached, onFailed) : onAttached(attached);
  }

  async unsubscribe(record: SubscriptionRecord): Promise<void> {
    if (!record.active) return;
    record.active = false;
    this.records.delete(record.id);
    record.settleReady();
    for (const cleanup of record.cleanups.splice(0).reverse()) {
      try {
        cleanup();
      } catch (error) {
        this.reporter.error(error, 'INVALID_SUBSCRIPTION');
      }
    }
    const attached = record.attached;
    record.attached = undefined;
    if (attached !== undefined) {
      try {
        await attached.unsubscribe();
      } catch (error) {
        throw BusError.from(error, 'TRANSPORT_FAILED');
      }
    }
  }

  /** The active subscriptions whose pattern matches `event`'s type, by the bus's router (for `dispatch`). */
  matching(event: EnvelopeInput, createRouter: RouterFactory): readonly SubscriptionRecord[] {
    const router = createRouter<SubscriptionRecord>();
    for (const record of this.records.values()) router.add(record.pattern, record);
    return router.match(event.type);
  }
}

function checkPattern(createRouter: RouterFactory, pattern: string): void {
  createRouter<true>().add(pattern, true);
}

function noop(): void {}
