/**
 * The decorators of decorators.py — `auditEvent`, `domainEvent`,
 * `publishOnSuccess`, `publishOnError` — usable as TC39 method decorators
 * (`@auditEvent(…) async createUser(…)`) and as plain wrappers
 * (`auditEvent(…)(createUser)`), publishing through one module bus.
 */
import { consoleLogger } from '@bus/core';
import { BaseEvent } from './base-event.js';
import { EnhancedEventBus } from './enhanced-event-bus.js';
import { type AuditEventType, EventPriority } from './enums.js';
import { KafkaConfig } from './kafka-config.js';
import { pythonStr } from './python-str.js';

/** Anything the decorators can publish through: an {@link EnhancedEventBus}, or a test double with `publish`. */
export interface DecoratorsEventBus {
  publish(event: BaseEvent): Promise<unknown>;
  stop?(): Promise<unknown>;
}

/** An async function or method. */
export type DecoratedFunction = (this: unknown, ...args: never[]) => Promise<unknown>;

let moduleBus: DecoratorsEventBus | null = null;
const FALLBACK_LOGGER = consoleLogger();
let starting: Promise<DecoratorsEventBus> | null = null;

/** The module bus: the one set, or a new `EnhancedEventBus(new KafkaConfig())`, started on first use. */
export async function getDecoratorsEventBus(): Promise<DecoratorsEventBus> {
  if (moduleBus !== null) return moduleBus;
  starting ??= (async () => {
    const bus = new EnhancedEventBus(new KafkaConfig());
    await bus.start();
    moduleBus = bus;
    return bus;
  })().finally(() => {
    starting = null;
  });
  return starting;
}

/** Replaces the module bus (`null` drops it without stopping it). */
export function setDecoratorsEventBus(bus: DecoratorsEventBus | null): void {
  moduleBus = bus;
}

/** Stops and drops the module bus. */
export async function cleanupDecoratorsEventBus(): Promise<void> {
  const bus = moduleBus;
  moduleBus = null;
  await bus?.stop?.();
}

/** A call's `*args` and `**kwargs`: a trailing plain object is the keyword arguments. */
function splitArgs(args: readonly unknown[]): { positional: unknown[]; kwargs: Record<string, unknown> } {
  const last = args.at(-1);
  const proto = typeof last === 'object' && last !== null ? Object.getPrototypeOf(last) : undefined;
  if (proto === Object.prototype || proto === null) return { positional: args.slice(0, -1), kwargs: { ...(last as object) } };
  return { positional: [...args], kwargs: {} };
}

/** Python's lookup of an id: `str(kwargs[field])`, else `str(args[0])`, else `None`. */
function idOf(field: string | null | undefined, positional: readonly unknown[], kwargs: Record<string, unknown>): string | null {
  if (!field) return null;
  if (Object.hasOwn(kwargs, field)) return pythonStr(kwargs[field]);
  return positional.length > 0 ? pythonStr(positional[0]) : null;
}

function argumentsOf(positional: readonly unknown[], kwargs: Record<string, unknown>): Record<string, unknown> {
  return { args: positional.map(pythonStr), kwargs: Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k, pythonStr(v)])) };
}

/** Builds and publishes an event through the module bus; a failure (of the builder too) is logged, never thrown into the caller. */
async function emit(eventType: string, data: () => Record<string, unknown>, priority: EventPriority, correlationId?: string | null) {
  try {
    const bus = await getDecoratorsEventBus();
    await bus.publish(new BaseEvent({ eventType, data: data(), priority, correlationId: correlationId ?? null }));
  } catch (error) {
    const logger = moduleBus instanceof EnhancedEventBus ? moduleBus.logger : FALLBACK_LOGGER;
    logger.error({ err: error, eventType }, `Failed to publish ${eventType} event: ${pythonStr(error)}`);
  }
}

/** Wraps `fn` keeping `this` and its name; `around` runs the call. Works as a method decorator (`context` ignored). */
function wrap<F extends DecoratedFunction>(
  fn: F,
  around: (call: () => Promise<unknown>, positional: unknown[], kwargs: Record<string, unknown>) => Promise<unknown>,
): F {
  const wrapper = async function (this: unknown, ...args: never[]) {
    const { positional, kwargs } = splitArgs(args);
    return around(() => fn.apply(this, args), positional, kwargs);
  };
  Object.defineProperty(wrapper, 'name', { value: fn.name });
  return wrapper as unknown as F;
}

/** A decorator: `(fn, context?) => wrapper`. */
export type EventDecorator = <F extends DecoratedFunction>(fn: F, context?: unknown) => F;

/** Options of {@link auditEvent} (Python's keyword arguments, with their defaults: null, false, false, false, NORMAL). */
export type AuditEventOptions = { resourceIdField?: string | null; priority?: EventPriority } & {
  [K in 'successOnly' | 'includeArgs' | 'includeResult']?: boolean;
};

/**
 * Publishes `audit.<type>` after each call: outcome `success` (with the resource id), or `failure` with the
 * error at HIGH priority unless `successOnly`; the error is re-thrown.
 *
 * @example
 * ```ts
 * const createUser = auditEvent(AuditEventType.DATA_CREATED, 'create', 'user', { resourceIdField: 'userId' })(
 *   async function createUser(kwargs: { userId: string }) { return kwargs.userId; },
 * );
 * ```
 */
export function auditEvent(
  eventType: AuditEventType,
  action: string,
  resourceType: string,
  options: AuditEventOptions = {},
): EventDecorator {
  const type = `audit.${eventType}`;
  return (fn) =>
    wrap(fn, async (call, positional, kwargs) => {
      const args = options.includeArgs ? { arguments: argumentsOf(positional, kwargs) } : {};
      let result: unknown;
      try {
        result = await call();
      } catch (error) {
        if (!options.successOnly) {
          const data = () => ({ action, resource_type: resourceType, outcome: 'failure', error: pythonStr(error), ...args });
          await emit(type, data, EventPriority.HIGH);
        }
        throw error;
      }
      const data: Record<string, unknown> = {
        action,
        resource_type: resourceType,
        resource_id: idOf(options.resourceIdField, positional, kwargs),
        outcome: 'success',
        ...args,
      };
      if (options.includeResult) data.result = pythonStr(result);
      await emit(type, () => data, options.priority ?? EventPriority.NORMAL);
      return result;
    });
}

/** Options of {@link domainEvent}: defaults null, true, NORMAL. */
export type DomainEventOptions = { aggregateIdField?: string | null; includeResult?: boolean; priority?: EventPriority };

/**
 * Publishes `domain.<aggregateType>.<eventType>` after each successful call, correlated by the aggregate id.
 *
 * @example
 * ```ts
 * class Users { @domainEvent('user', 'created', { aggregateIdField: 'userId' }) async create(kw: { userId: string }) {} }
 * ```
 */
export function domainEvent(aggregateType: string, eventType: string, options: DomainEventOptions = {}): EventDecorator {
  return (fn) =>
    wrap(fn, async (call, positional, kwargs) => {
      const result = await call();
      const aggregateId = idOf(options.aggregateIdField, positional, kwargs);
      const data: Record<string, unknown> = { aggregate_type: aggregateType, aggregate_id: aggregateId };
      if (options.includeResult ?? true) data.result = result === null || result === undefined ? null : pythonStr(result);
      await emit(`domain.${aggregateType}.${eventType}`, () => data, options.priority ?? EventPriority.NORMAL, aggregateId);
      return result;
    });
}

/** Options of {@link publishOnSuccess} and {@link publishOnError}: the data builder gets `(...args, { ...kwargs, result | error })`. */
export type PublishOnOptions = { eventDataBuilder?: ((...args: never[]) => Record<string, unknown>) | null; priority?: EventPriority };

const builderOf = (options: PublishOnOptions) =>
  options.eventDataBuilder as ((...args: unknown[]) => Record<string, unknown>) | null | undefined;

/**
 * Publishes `eventType` after each successful call (data `{ method, result }` or the builder's).
 *
 * @example
 * ```ts
 * const save = publishOnSuccess('order.saved')(async function save() { return 'ok'; });
 * ```
 */
export function publishOnSuccess(eventType: string, options: PublishOnOptions = {}): EventDecorator {
  return (fn) =>
    wrap(fn, async (call, positional, kwargs) => {
      const result = await call();
      const build = builderOf(options);
      const data = () => (build ? build(...positional, { ...kwargs, result }) : { method: fn.name, result: pythonStr(result) });
      await emit(eventType, data, options.priority ?? EventPriority.NORMAL);
      return result;
    });
}

/**
 * Publishes `eventType` (HIGH priority by default) when a call throws, then re-throws.
 *
 * @example
 * ```ts
 * const charge = publishOnError('payment.failed')(async function charge() { throw new Error('declined'); });
 * ```
 */
export function publishOnError(eventType: string, options: PublishOnOptions = {}): EventDecorator {
  return (fn) =>
    wrap(fn, async (call, positional, kwargs) => {
      try {
        return await call();
      } catch (error) {
        const build = builderOf(options);
        const errorType = error instanceof Error ? error.constructor.name : typeof error;
        const data = () =>
          build ? build(...positional, { ...kwargs, error }) : { method: fn.name, error: pythonStr(error), error_type: errorType };
        await emit(eventType, data, options.priority ?? EventPriority.HIGH);
        throw error;
      }
    });
}
