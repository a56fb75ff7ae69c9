/**
 * The `context()` plugin: a handler runs inside a context made from the event
 * it handles, and events published inside a context inherit its correlation
 * id, causation id, tenant and chosen custom fields.
 */
import { BusError, definePlugin, type EventEnvelope, type Plugin } from '@bus/core';
import { contextStorage, runInStore } from './context-storage.js';
import type { BusContext } from './context-values.js';

/**
 * Options of {@link context}.
 *
 * @example
 * ```ts
 * const bus = createBus().use(context({ propagate: ['userId', 'region'] }));
 * ```
 */
export interface ContextPluginOptions {
  /**
   * Context fields sent with every event published inside the context, as
   * extension attributes named by the field lowercased (`userId` →
   * `userid`), and restored into the context of the handlers of that event.
   * Values must be strings, numbers or booleans. Default: none.
   */
  readonly propagate?: readonly string[];
}

/**
 * Where the context middleware sits in the deliver `handle` phase: first, so
 * that timeouts, retries, tracing and dead-lettering run inside the context.
 *
 * @example
 * ```ts
 * // A handle middleware that must run outside the context registers before it:
 * kernel.useDeliver('handle', measureQueueTime, { order: CONTEXT_HANDLE_ORDER - 1 });
 * ```
 */
export const CONTEXT_HANDLE_ORDER = -1000;

// Attributes the bus or CloudEvents already define: a propagated field may not overwrite them.
const RESERVED_ATTRIBUTES = new Set([
  'id',
  'source',
  'type',
  'specversion',
  'time',
  'subject',
  'datacontenttype',
  'dataschema',
  'data',
  'correlationid',
  'causationid',
  'traceparent',
  'tracestate',
  'partitionkey',
  'sequence',
  'tenantid',
  'priority',
  'schemaversion',
]);
const NOT_PROPAGATED: Readonly<Record<string, string>> = {
  event: "'event' is the event being handled",
  principal: "'principal' is never sent with events: a receiver must not trust a sender's claim of who it is",
};
const EXTENSION_NAME = /^[a-z0-9]{1,64}$/;

interface PropagatedField {
  readonly key: string;
  readonly attribute: string;
}

/**
 * AsyncLocalStorage context for the bus. Each handler runs inside a context
 * made from its event: `correlationId` (the event's `correlationid`, or its
 * id when it starts a flow), `causationId` (the event's id), `tenantId`
 * (`tenantid`), `principal` (the subscription's `principal`), the propagated
 * fields, and `event`. An event published inside a context, from a handler
 * or inside {@link withContext}, gets `correlationid`, `causationid`,
 * `tenantid` and the propagated fields from it unless the publish sets them,
 * and `PublishContext.principal` when the publish names none.
 *
 * AsyncLocalStorage is opt-in because it is not free: see the package README.
 *
 * @example
 * ```ts
 * const bus = createBus().use(context());
 * bus.subscribe('orders.created', async (event) => {
 *   await bus.publish('invoices.opened', { order: event.data }); // correlationid and causationid follow
 * });
 * ```
 */
export function context(options: ContextPluginOptions = {}): Plugin {
  const fields = propagatedFields(options.propagate ?? []);

  return definePlugin({
    name: 'context',
    setup(kernel) {
      const storage = contextStorage();
      kernel.usePublish('enrich', function propagateContext(ctx, next) {
        const store = storage.getStore();
        if (store === undefined) return next();
        const envelope = ctx.envelope;
        if (envelope.correlationid === undefined && store.correlationId !== undefined) envelope.correlationid = store.correlationId;
        if (envelope.causationid === undefined && store.causationId !== undefined) envelope.causationid = store.causationId;
        if (envelope.tenantid === undefined && store.tenantId !== undefined) envelope.tenantid = store.tenantId;
        for (const field of fields) copyToEnvelope(field, store, envelope);
        if (ctx.principal === undefined && store.principal !== undefined) ctx.principal = store.principal;
        return next();
      });

      kernel.useDeliver(
        'handle',
        function runInContext(ctx, next) {
          const event = ctx.event;
          const store: { -readonly [K in keyof BusContext]: BusContext[K] } = {
            event,
            correlationId: event.correlationid ?? event.id,
            causationId: event.id,
          };
          if (event.tenantid !== undefined) store.tenantId = event.tenantid;
          const principal = ctx.subscription.options.principal;
          if (principal !== undefined) store.principal = principal;
          for (const field of fields) {
            const value = event[field.attribute];
            if (value !== undefined) store[field.key] = value;
          }
          return runInStore(storage, store, next);
        },
        { order: CONTEXT_HANDLE_ORDER },
      );
    },
  });
}

function propagatedFields(keys: readonly string[]): readonly PropagatedField[] {
  if (!Array.isArray(keys)) throw new BusError('PLUGIN_INVALID', 'context({ propagate }) must be an array of context field names.');
  return keys.map((key) => {
    if (typeof key !== 'string') throw new BusError('PLUGIN_INVALID', 'context({ propagate }) must list field names (strings).');
    const attribute = key.toLowerCase();
    const reason =
      NOT_PROPAGATED[key] ??
      (RESERVED_ATTRIBUTES.has(attribute)
        ? `'${key}' would be the attribute '${attribute}', which the bus already defines (correlation, causation and tenant always propagate)`
        : EXTENSION_NAME.test(attribute)
          ? undefined
          : `'${key}' lowercased is not a CloudEvents extension name (1 to 64 of [a-z0-9])`);
    if (reason !== undefined) throw new BusError('PLUGIN_INVALID', `context({ propagate }) cannot propagate '${key}': ${reason}.`);
    return { key, attribute };
  });
}

function copyToEnvelope(field: PropagatedField, store: BusContext, envelope: EventEnvelope): void {
  if (envelope[field.attribute] !== undefined) return;
  const value = store[field.key];
  if (value === undefined) return;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new BusError(
      'INVALID_EVENT',
      `Context field '${field.key}' is ${describeValue(value)}; only strings, numbers and booleans propagate as extension attributes.`,
      { eventId: envelope.id },
    );
  }
  envelope[field.attribute] = value;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
