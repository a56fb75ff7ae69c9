/**
 * The middleware engine: koa-compose's onion, typed, and synchronous when
 * every middleware is. A chain whose middleware never returns a promise runs
 * to the end without allocating one, which is what keeps `bus.emit()` close
 * to a plain emitter.
 */
import { BusError } from './errors.js';

/** Calls the rest of the chain. Call it at most once, and `await` or return what it returns. */
export type Next = () => void | Promise<void>;

/**
 * A middleware: does work around `next()`. Return (or await) `next()` to pass
 * the context on; do not call it to stop the chain.
 *
 * @typeParam C - the context type (`PublishContext` or `DeliveryContext`).
 * @example
 * ```ts
 * const stamp: Middleware<PublishContext> = function stamp(ctx, next) {
 *   ctx.envelope.tenantid ??= 'acme';
 *   return next();
 * };
 * ```
 */
export type Middleware<C> = (ctx: C, next: Next) => void | Promise<void>;

/** Options of {@link compose}. */
export interface ComposeOptions<C = unknown> {
  /**
   * Warn (`process.emitWarning`, code `BUS_MISSING_AWAIT`) when a middleware's
   * promise settles before the downstream chain it started: a missing `await`.
   */
  readonly detectMissingAwait?: boolean;
  /**
   * Middleware that may call `next()` more than once, to run the rest of the
   * chain again (retries; a retry after a timeout may start while the
   * abandoned attempt still runs). They own their calls to `next()`; for every
   * other middleware a second call is `MIDDLEWARE_NEXT_TWICE`.
   */
  readonly reentrant?: ReadonlySet<Middleware<C>>;
}

/** True for promises and other thenables. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== undefined && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Composes `middleware` around `terminal` into one function, once. Throws
 * `MIDDLEWARE_NEXT_TWICE` when a middleware calls `next()` twice, unless it
 * is `reentrant`.
 *
 * @example
 * ```ts
 * const run = compose([logTiming, validate], (ctx) => send(ctx));
 * await run(ctx);
 * ```
 */
export function compose<C>(
  middleware: readonly Middleware<C>[],
  terminal: (ctx: C) => void | Promise<void>,
  options: ComposeOptions<C> = {},
): (ctx: C) => void | Promise<void> {
  if (middleware.length === 0) return terminal;
  const reentrant = middleware.map((entry) => options.reentrant?.has(entry) === true);
  const chain = options.detectMissingAwait ? middleware.map(watchForMissingAwait) : [...middleware];
  const last = chain.length;
  return function composed(ctx: C): void | Promise<void> {
    const dispatch = (index: number): void | Promise<void> => {
      if (index === last) return terminal(ctx);
      const current = chain[index] as Middleware<C>;
      if (reentrant[index]) return current(ctx, () => dispatch(index + 1));
      let called = false;
      return current(ctx, () => {
        if (called) {
          const name = middleware[index]?.name || `#${index}`;
          throw new BusError('MIDDLEWARE_NEXT_TWICE', `Middleware '${name}' called next() more than once.`);
        }
        called = true;
        return dispatch(index + 1);
      });
    };
    return dispatch(0);
  };
}

function watchForMissingAwait<C>(middleware: Middleware<C>): Middleware<C> {
  const name = middleware.name || 'anonymous';
  const watched: Middleware<C> = (ctx, next) => {
    let downstreamSettled = true;
    const result = middleware(ctx, () => {
      const downstream = next();
      if (isThenable(downstream)) {
        downstreamSettled = false;
        downstream.then(
          () => (downstreamSettled = true),
          () => (downstreamSettled = true),
        );
      }
      return downstream;
    });
    if (isThenable(result)) {
      result.then(() => {
        if (!downstreamSettled) {
          process.emitWarning(`Middleware '${name}' resolved before the rest of the chain: a missing 'await next()'?`, {
            code: 'BUS_MISSING_AWAIT',
          });
        }
      }, noop);
    }
    return result;
  };
  Object.defineProperty(watched, 'name', { value: name });
  return watched;
}

function noop(): void {}
