/**
 * The transport contract: two methods to move messages, a lifecycle, and a
 * `capabilities` object instead of optional methods that silently do nothing
 * (Watermill's Features). Only the kernel acknowledges a delivery, from the
 * handler's result.
 */
import type { BusEvents, DroppedEvent } from './bus-events.js';
import type { EventEnvelope } from './envelope.js';
import type { BusError, BusErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import type { RouterFactory } from './router.js';
import type { UndecodableMessage } from './undecodable.js';

/**
 * What a transport can do. The conformance suite in `@bus/transport-tests`
 * runs the tests of each capability a transport claims.
 *
 * @example
 * ```ts
 * if (!bus.transport.capabilities.durable) console.warn('events are lost on restart');
 * ```
 */
export interface TransportCapabilities {
  /** Delivers in this process, handing the same envelope object over (no serialization). */
  readonly inProcess: boolean;
  /** Sent messages survive a restart of the process. */
  readonly durable: boolean;
  /** Subscriptions sharing a `group` split the events between them. */
  readonly consumerGroups: boolean;
  /** Events with one `partitionkey` reach a subscription in the order they were sent. */
  readonly orderedPerKey: boolean;
  /** Matches subscription patterns with the bus's router (wildcards when `@bus/topics` is used). */
  readonly wildcards: boolean;
  /**
   * A failed delivery (the handler's rejection) is redelivered by the
   * transport, until it is handled: the transport has no retry budget of its
   * own — how often and when to give up is `@bus/resilience`'s policy.
   */
  readonly redelivery: boolean;
  /** `data` must be bytes (`Uint8Array`) when sent: use a serialization plugin. */
  readonly requiresEncodedData: boolean;
}

/**
 * What the kernel gives a transport at start.
 *
 * @example
 * ```ts
 * start(context) { this.routes = context.createRouter<Route>(); }
 * ```
 */
export interface TransportContext {
  /** Makes a router with the bus's matching rules. */
  readonly createRouter: RouterFactory;
  /** The bus's signals, for `error` and `dropped`. */
  readonly events: BusEvents;
  /** The bus's default `source`. */
  readonly source: string;
  /** The bus's logger. */
  readonly logger: Logger;
  /**
   * Reports a failure of the transport that no delivery carries (a lost
   * connection, a failed commit): `error`, logged when nobody handles it.
   * `code` applies when the error is not a `BusError` already.
   */
  report(error: unknown, code?: BusErrorCode): BusError;
  /** Reports a message skipped on purpose: `dropped`, logged when nobody handles it. */
  drop(dropped: DroppedEvent): void;
  /**
   * Hands over a message that could not be decoded. Resolves `true` when a
   * plugin kept it (a dead letter) and `false` when none keeps such messages
   * (the kernel reported it on `'error'`): either way the transport moves
   * past it. Rejects when the keeping plugin failed: the transport must not
   * move past it, and hands it over again later.
   */
  undecodable(message: UndecodableMessage): Promise<boolean>;
}

/** What a transport is told about a subscription. */
export interface TransportSubscriptionSpec {
  /** Unique within the bus. */
  readonly id: string;
  /** The subscription pattern. */
  readonly pattern: string;
  /** The consumer group, if any. */
  readonly group: string | undefined;
}

/**
 * Receives one message for one subscription. Returning or resolving acks it;
 * throwing or rejecting nacks it (a transport with `redelivery` delivers it
 * again; one without drops it, the kernel having already reported the failure).
 */
export type MessageHandler = (message: EventEnvelope) => void | Promise<void>;

/** A live subscription on a transport. */
export interface TransportSubscription {
  /** Stops delivery; resolves once in-flight messages are no longer started. */
  unsubscribe(): void | Promise<void>;
}

/**
 * A transport moves envelopes between publishers and subscriptions. One per bus.
 *
 * @example
 * ```ts
 * const bus = createBus().use(definePlugin({
 *   name: 'my-transport',
 *   setup(kernel) { kernel.setTransport(myTransport); },
 * }));
 * ```
 */
export interface Transport {
  /** A short name for errors and metrics (`memory`, `kafka`). */
  readonly name: string;
  /** What it can do. */
  readonly capabilities: TransportCapabilities;
  /** Connects. Called once by `bus.start()`. */
  start(context: TransportContext): void | Promise<void>;
  /** Disconnects after the kernel drained. Called once by `bus.stop()`. */
  stop(): void | Promise<void>;
  /** Sends messages; resolves when the transport has accepted all of them. */
  send(messages: readonly EventEnvelope[]): void | Promise<void>;
  /** Starts delivering the messages that match `spec` to `onMessage`. */
  subscribe(spec: TransportSubscriptionSpec, onMessage: MessageHandler): TransportSubscription | Promise<TransportSubscription>;
}
