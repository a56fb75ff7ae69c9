/**
 * What the ambient context holds. `ContextValues` is an interface so that an
 * application can type its own fields by augmentation:
 * `declare module '@bus/context' { interface ContextValues { region?: string } }`.
 */
import type { EventEnvelope } from '@bus/core';

/**
 * The values of a context: what `withContext` takes, and what events
 * published inside it inherit. Any other field is a custom field; list it in
 * the plugin's `propagate` option to send it with events.
 *
 * @example
 * ```ts
 * const values: ContextValues = { correlationId: request.headers['x-request-id'], tenantId: 'acme', userId: 'u-7' };
 * await withContext(values, () => bus.publish('orders.created', order));
 * ```
 */
export interface ContextValues {
  /** Becomes `correlationid` of events published inside: the id shared by every event of one business flow. */
  correlationId?: string;
  /** Becomes `causationid` of events published inside: the id of what caused them. */
  causationId?: string;
  /** Becomes `tenantid` of events published inside. */
  tenantId?: string;
  /** The user on whose behalf the work runs; sent with events only when listed in `propagate`. */
  userId?: string;
  /** Who publishes, for authorization plugins: becomes `PublishContext.principal` when the publish names none. Never sent. */
  principal?: string;
  /** Custom fields. */
  [field: string]: unknown;
}

/**
 * The ambient context: the {@link ContextValues} in force, and inside a
 * handler the event being handled.
 *
 * @example
 * ```ts
 * bus.subscribe('orders.created', async () => {
 *   const context = currentContext();
 *   console.log(context?.event?.id, context?.correlationId, context?.tenantId);
 * });
 * ```
 */
export interface BusContext extends ContextValues {
  /** The event being handled, when the context is a handler's. */
  readonly event?: EventEnvelope;
}
