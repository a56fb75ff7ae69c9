/**
 * The two pipelines' fixed phases and the contexts their middleware receive.
 * Phases make plugin order in `.use()` chains irrelevant to meaning: an
 * encryptor registered before a validator still runs after it.
 */
import type { Bus } from './bus-api.js';
import type { Middleware } from './compose.js';
import type { EventEnvelope, PublishOptions } from './envelope.js';
import type { Subscription } from './subscription.js';

/** The publish phases, in the order they run. */
export const PUBLISH_PHASES = ['enrich', 'guard', 'encode', 'dispatch'] as const;
/** The deliver phases, in the order they run. */
export const DELIVER_PHASES = ['decode', 'guard', 'handle'] as const;

/**
 * A publish phase: `enrich` (ids, time, context, trace) → `guard` (ACL,
 * schema, backpressure) → `encode` (serialize → encrypt → compress) →
 * `dispatch` (transport, or the outbox when a transaction is given).
 */
export type PublishPhase = (typeof PUBLISH_PHASES)[number];
/**
 * A deliver phase: `decode` (decompress → decrypt → deserialize) → `guard`
 * (ACL, schema, dedupe, upcast) → `handle` (context, tracing, metrics,
 * timeout, retry, dead letter) → the handler.
 */
export type DeliverPhase = (typeof DELIVER_PHASES)[number];

/**
 * What publish middleware receives. Replace or mutate `envelope` to change
 * what is sent. Plugins add typed fields by augmenting this interface.
 *
 * @example
 * ```ts
 * kernel.usePublish('enrich', function tenant(ctx, next) {
 *   ctx.envelope.tenantid ??= 'acme';
 *   return next();
 * });
 * ```
 */
export interface PublishContext {
  /** The event being published. */
  envelope: EventEnvelope;
  /** The options given to `publish` (an empty object when none were). */
  readonly options: PublishOptions;
  /** The bus publishing it. */
  readonly bus: Bus;
  /** True when the event is part of `publishBatch`. */
  readonly batch: boolean;
  /**
   * Who publishes: `options.principal`, or what an `enrich` middleware (such
   * as `@bus/context`'s) sets. Guards (ACLs) read it. Never sent.
   */
  principal: string | undefined;
}

/**
 * What deliver middleware and handlers receive. `event` may be replaced by a
 * decoder or upcaster. Plugins add typed fields by augmenting this interface.
 *
 * @typeParam T - the type of the event's `data`.
 * @example
 * ```ts
 * bus.subscribe('orders.created', async (event, ctx) => {
 *   console.log(`attempt ${ctx.attempt} of ${event.id} for ${ctx.subscription.pattern}`);
 * });
 * ```
 */
export interface DeliveryContext<T = unknown> {
  /** The event being delivered. */
  event: EventEnvelope<T>;
  /** The subscription it is delivered to. */
  readonly subscription: Subscription;
  /** The bus delivering it. */
  readonly bus: Bus;
  /** 1 on the first try; retry middleware raises it. */
  attempt: number;
  /** Aborted when the delivery should give up (a timeout or a stop without drain). */
  signal: AbortSignal | undefined;
}

/**
 * Where a middleware sits within its phase. Lower runs first (outermost); equal
 * orders keep registration order. The deliver `decode` phase runs in the
 * mirror image (highest first, and reverse registration among equals), so it
 * undoes `encode` step by step: serialize → encrypt → compress is undone as
 * decompress → decrypt → deserialize.
 *
 * @example
 * ```ts
 * kernel.usePublish('encode', sealPayload, { order: STAGE_ORDER.encrypt });
 * kernel.useDeliver('decode', openPayload, { order: STAGE_ORDER.encrypt });
 * ```
 */
export interface MiddlewareOptions {
  /** Position within the phase; default 0. See {@link STAGE_ORDER} for the conventional encode/decode stages. */
  readonly order?: number;
  /**
   * The middleware may call `next()` more than once, each call running the
   * rest of the chain again (retries). Default `false`: a second call is
   * `MIDDLEWARE_NEXT_TWICE`, as in koa.
   */
  readonly reentrant?: boolean;
}

/**
 * The conventional orders of the encode/decode stages, so plugins that never
 * import each other still line up: field-level transforms of the object
 * (e.g. field encryption), then serialization to bytes, then whole-payload
 * encryption, then compression.
 */
export const STAGE_ORDER = Object.freeze({ transform: 100, serialize: 200, encrypt: 300, compress: 400 });

/**
 * Publish middleware.
 *
 * @example
 * ```ts
 * const audit: PublishMiddleware = async function audit(ctx, next) {
 *   await next();
 *   console.log('sent', ctx.envelope.id);
 * };
 * ```
 */
export type PublishMiddleware = Middleware<PublishContext>;

/**
 * Deliver middleware.
 *
 * @example
 * ```ts
 * const timing: DeliverMiddleware = async function timing(ctx, next) {
 *   const started = performance.now();
 *   await next();
 *   console.log(ctx.event.type, performance.now() - started, 'ms');
 * };
 * ```
 */
export type DeliverMiddleware = Middleware<DeliveryContext>;
