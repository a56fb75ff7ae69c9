/**
 * The one AsyncLocalStorage behind the context, and the functions that read
 * it and run code inside it. It is made on first use, not at import: with the
 * async_hooks implementation of AsyncLocalStorage (Node 22) merely creating
 * one slows every await in the process. It is kept under a `Symbol.for` key so
 * that two copies of this package (duplicate installs, or its ESM and CJS
 * builds) share one context, as `BusError` is shared across copies of `@bus/core`.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import type { BusContext, ContextValues } from './context-values.js';

const STORAGE_KEY = Symbol.for('@bus/context/storage');
const shared = globalThis as { [STORAGE_KEY]?: AsyncLocalStorage<BusContext> };

/** The process-wide storage of the ambient {@link BusContext}, made on first call. */
export function contextStorage(): AsyncLocalStorage<BusContext> {
  shared[STORAGE_KEY] ??= new AsyncLocalStorage<BusContext>();
  return shared[STORAGE_KEY];
}

// Node 24's AsyncLocalStorage (AsyncContextFrame) copies the whole frame, a Map, on every enterWith, and `run`
// enters twice: the store, then the prior one back. An AsyncResource restores the exact prior frame without a
// copy, so entering inside its scope costs one copy instead of two. The async_hooks implementation (Node 22, or
// --no-async-context-frame) has `_propagate`; its `run` copies nothing and an AsyncResource would fire its
// hooks, so it keeps `run`. Either way the context is the same; only the cost differs.
const ENTER_IN_RESOURCE_SCOPE = !('_propagate' in AsyncLocalStorage.prototype);

/**
 * Runs `fn` with `store` as the ambient context and returns what it returns:
 * `storage.run(store, fn)`, for less on Node 24. As with `run`, the context
 * holds across every await and callback `fn` starts, and the caller's context
 * (of this storage and of every other) is back when it returns or throws.
 */
export function runInStore<R>(storage: AsyncLocalStorage<BusContext>, store: BusContext, fn: () => R): R {
  if (!ENTER_IN_RESOURCE_SCOPE) return storage.run(store, fn);
  return new AsyncResource('bus.context').runInAsyncScope(enterAndCall, storage, store, fn) as R;
}

function enterAndCall<R>(this: AsyncLocalStorage<BusContext>, store: BusContext, fn: () => R): R {
  this.enterWith(store);
  return fn();
}

/**
 * Runs `fn` with `values` as the ambient context: every event published
 * inside it, across awaits, gets their correlation id, causation id, tenant
 * and propagated fields (when the bus uses the `context()` plugin). Inside
 * another context (a handler's, or an outer `withContext`), the values are
 * merged over it. Returns what `fn` returns.
 *
 * @example
 * ```ts
 * app.post('/orders', (request, reply) =>
 *   withContext({ correlationId: request.id, tenantId: request.headers['x-tenant'], userId: request.user.id }, async () => {
 *     await bus.publish('orders.created', request.body);
 *     reply.code(202).send();
 *   }),
 * );
 * ```
 */
export function withContext<R>(values: ContextValues, fn: () => R): R {
  const storage = contextStorage();
  const current = storage.getStore();
  return runInStore(storage, current === undefined ? { ...values } : { ...current, ...values }, fn);
}

/**
 * Makes `values`, merged over the current context, the ambient context from
 * here on: for the rest of the current synchronous execution and the async
 * work it starts afterwards (`AsyncLocalStorage.enterWith`). It is the
 * async-context analogue of setting a thread-local, for code that sets a
 * context without a scope to put it in (a legacy `propagate_context(key,
 * value)`). Async work started before the call, and sibling contexts, do not
 * see it. Prefer {@link withContext}, which scopes the values to a function:
 * called at the top level of a script or a test (outside any handler or
 * `withContext`), `enterContext` affects everything that runs afterwards in
 * that flow, until another `enterContext`.
 *
 * @example
 * ```ts
 * bus.subscribe('orders.created', async (event) => {
 *   enterContext({ userId: event.data.customer }); // the rest of this handler, and what it starts
 *   await bus.publish('invoices.opened', { order: event.data.id }); // carries userid when propagated
 * });
 * ```
 */
export function enterContext(values: ContextValues): void {
  const storage = contextStorage();
  const current = storage.getStore();
  storage.enterWith(current === undefined ? { ...values } : { ...current, ...values });
}

/**
 * The ambient context, or undefined outside any handler or `withContext`.
 *
 * @example
 * ```ts
 * bus.subscribe('orders.created', async (event) => {
 *   await billing.open(event.data, { tenant: currentContext()?.tenantId });
 * });
 * ```
 */
export function currentContext(): Readonly<BusContext> | undefined {
  return shared[STORAGE_KEY]?.getStore();
}
