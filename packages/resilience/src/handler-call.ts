/**
 * Calls a subscription's handler directly, once per attempt.
 *
 * Why not `next()`: the kernel's compose (like koa-compose) throws
 * `MIDDLEWARE_NEXT_TWICE` when a middleware calls `next()` a second time, so
 * a retry cannot re-run the rest of the chain through it. The resilience
 * middleware is therefore the last in `handle` and does what the kernel's
 * terminal does: `subscription.handler(ctx.event, ctx)`. The kernel's
 * subscription records carry `handler`, but the public `Subscription` type
 * does not declare it; `assertHandler` checks it at subscribe time, so a
 * kernel without it fails loudly rather than skipping handlers.
 * The kernel change that removes this: let `next()` be called again once the
 * previous call settled (or give `DeliveryContext` a `handle()` that re-runs
 * the rest of the chain). See the package README.
 */
import { BusError, type DeliveryContext, type EventHandler, type Subscription } from '@bus/core';

type WithHandler = Subscription & { readonly handler?: unknown };

/** Throws unless the kernel's subscription record carries its handler. */
export function assertHandler(subscription: Subscription): void {
  if (typeof (subscription as WithHandler).handler !== 'function') {
    throw new BusError(
      'PLUGIN_INVALID',
      `@bus/resilience cannot retry subscription '${subscription.name}': this @bus/core does not expose the subscription's handler to middleware.`,
    );
  }
}

/** Runs the handler of `ctx.subscription` for `ctx.event`, as the kernel's terminal does. */
export function callHandler(ctx: DeliveryContext): void | Promise<void> {
  return ((ctx.subscription as WithHandler).handler as EventHandler)(ctx.event, ctx);
}
