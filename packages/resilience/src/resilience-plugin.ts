/**
 * The `resilience()` plugin: retries, timeouts and a circuit breaker around
 * each handler call (the deliver `handle` phase, innermost), dead letters when
 * attempts run out, and `bus.deadLetters` to list and redrive them.
 */
import { randomUUID } from 'node:crypto';
import { BusError, type DeliveryContext, definePlugin, type Plugin, type Subscription } from '@bus/core';
import { nowIso } from '@bus/core/plugin-kit';
import type { DeadLetter, DeadLetterFilter, DeadLetterSink } from './dead-letter.js';
import { memoryDeadLetterSink } from './memory-dead-letter-sink.js';
import { type ResilienceOptions, resolveResilience } from './resilience-options.js';
import { type CircuitStatus, SubscriptionPolicy } from './subscription-policy.js';
import { transportDeadLetterSink } from './transport-dead-letter-sink.js';
import { undecodableLetter } from './undecodable-letter.js';

/**
 * Where the resilience middleware sits in the deliver `handle` phase. It is
 * registered `reentrant` and runs the rest of the chain once per attempt
 * through `next()`: `handle` middleware ordered before it (context, tracing,
 * metrics, anything at the default order 0) runs once per delivery around all
 * attempts; middleware ordered after it runs once per attempt.
 *
 * @example
 * ```ts
 * kernel.useDeliver('handle', measureAllAttempts, { order: RESILIENCE_HANDLE_ORDER - 1 });
 * kernel.useDeliver('handle', measureEachAttempt, { order: RESILIENCE_HANDLE_ORDER + 1 });
 * ```
 */
export const RESILIENCE_HANDLE_ORDER = 1_000;

/**
 * The extension attribute a redriven event carries: the id (while it lives)
 * or name of the subscription it is redriven to. Other subscriptions of a bus
 * using `resilience()` skip the event.
 *
 * @example
 * ```ts
 * bus.subscribe('orders.created', (event) => {
 *   if (event[REDRIVE_ATTRIBUTE] !== undefined) console.log('a second chance');
 * });
 * ```
 */
export const REDRIVE_ATTRIBUTE = 'redriveto';

/**
 * What `bus.deadLetters.redrive` did.
 *
 * @example
 * ```ts
 * const { redriven, failures } = await bus.deadLetters.redrive({ type: 'orders.created' });
 * ```
 */
export interface RedriveReport {
  /** The ids of the dead letters republished (and removed from the sink). */
  readonly redriven: readonly string[];
  /** The dead letters whose republish failed; they stay in the sink. */
  readonly failures: readonly { readonly id: string; readonly error: BusError }[];
}

/**
 * `bus.deadLetters`: the dead letters of this bus, and redrive.
 *
 * @example
 * ```ts
 * const letters = await bus.deadLetters.list({ subscription: 'billing' });
 * await bus.deadLetters.redrive(letters[0].id);
 * ```
 */
export interface DeadLetters {
  /** The sink, or undefined with `deadLetter: false`. */
  readonly sink: DeadLetterSink | undefined;
  /** The dead letters kept, oldest first, those matching `filter` when given. */
  list(filter?: DeadLetterFilter): Promise<readonly DeadLetter[]>;
  /**
   * Republishes the original event of one dead letter (by id) or of every
   * one matching a filter, once each, then removes it from the sink. The
   * event keeps its id and attributes, plus `redriveto` naming the
   * subscription that failed it: on this bus only that subscription handles
   * it again. If it fails again, it comes back as a new dead letter. A dead
   * letter whose subscription (by id, else by name) is not on this bus stays,
   * reported in `failures` (`INVALID_SUBSCRIPTION`).
   */
  redrive(target: string | DeadLetterFilter): Promise<RedriveReport>;
}

/**
 * `bus.resilience`: the state of each subscription's circuit breaker.
 *
 * @example
 * ```ts
 * bus.resilience.circuit(handle.id); // 'closed' | 'open' | 'half-open' | 'isolated' | undefined
 * ```
 */
export interface ResilienceControls {
  /** The circuit state of a subscription, or undefined when it has no breaker. */
  circuit(subscriptionId: string): CircuitStatus | undefined;
}

/**
 * What the plugin adds to the bus: `bus.deadLetters` and `bus.resilience`.
 *
 * @example
 * ```ts
 * const bus = createBus().use(resilience());
 * await bus.deadLetters.list();
 * ```
 */
export interface ResilienceExtension {
  readonly deadLetters: DeadLetters;
  readonly resilience: ResilienceControls;
}

/**
 * Retries, timeouts, a circuit breaker and dead letters for every handler,
 * with cockatiel policies. A failed attempt is retried (exponential backoff,
 * full jitter) unless its error says `retryable: false`; `ctx.attempt` counts
 * attempts and, with a timeout, `ctx.signal` aborts at the deadline. When
 * attempts run out, the event goes to the dead-letter sink, `bus.events`
 * emits `'deadLettered'`, and the delivery counts as handled (acked), so a
 * transport does not redeliver it forever. Each subscription can override
 * the defaults with its `resilience` option.
 *
 * @example
 * ```ts
 * const bus = createBus().use(resilience({ retry: { maxAttempts: 5 }, timeoutMs: 10_000 }));
 * bus.subscribe('orders.created', async (event, ctx) => {
 *   await fetch(billingUrl, { method: 'POST', body: JSON.stringify(event.data), signal: ctx.signal });
 * });
 * ```
 */
export function resilience(options: ResilienceOptions = {}): Plugin<ResilienceExtension> {
  if (typeof options !== 'object' || options === null) {
    throw new BusError('PLUGIN_INVALID', 'resilience(options) takes an object: { retry?, timeoutMs?, circuitBreaker?, deadLetter? }.');
  }
  const { deadLetter, ...defaults } = options;
  resolveResilience(defaults, undefined, 'resilience(options)', 'PLUGIN_INVALID');
  if (
    deadLetter !== undefined &&
    deadLetter !== false &&
    (typeof deadLetter?.put !== 'function' || typeof deadLetter.list !== 'function' || typeof deadLetter.remove !== 'function')
  ) {
    throw new BusError('PLUGIN_INVALID', 'resilience({ deadLetter }) must be a sink ({ put, list, remove }) or false.');
  }

  return definePlugin({
    name: 'resilience',
    setup(kernel) {
      const bus = kernel.bus;
      /**
       * The sink: the one given, else chosen at start, once the transport is known (dead letters only arise after
       * it) — on a durable transport (Kafka) the letters are published through it to `<type>.dlq`, where every
       * process and tool can read them, and kept in `local` for list and redrive; in process, only in `local`.
       */
      const local = deadLetter === undefined ? memoryDeadLetterSink() : undefined;
      let sink: DeadLetterSink | undefined = deadLetter === false ? undefined : (deadLetter ?? local);
      if (local !== undefined) {
        kernel.onStart(() => {
          if (bus.transport?.capabilities.durable) sink = transportDeadLetterSink({ store: local });
        });
      }
      const policies = new Map<string, SubscriptionPolicy>();
      /** Subscriptions of this bus by id, to address a redrive. */
      const live = new Map<string, Subscription>();

      const deadLetterTo = async (ctx: DeliveryContext, failure: BusError, attempts: number): Promise<void> => {
        const subscription = ctx.subscription;
        const letter: DeadLetter = {
          id: randomUUID(),
          event: ctx.event,
          error: failure,
          attempts,
          time: nowIso(),
          subscription: { id: subscription.id, name: subscription.name, pattern: subscription.pattern },
        };
        try {
          await (sink as DeadLetterSink).put(letter, bus);
        } catch (error) {
          // Not kept anywhere: fail the delivery instead, so the kernel reports it (and a transport may redeliver).
          throw BusError.from(error, 'STORE_FAILED', { eventId: ctx.event.id });
        }
        kernel.events.emit('deadLettered', { event: ctx.event, error: failure, attempts, subscription });
      };
      const failDelivery = (_ctx: DeliveryContext, failure: BusError): never => {
        throw failure;
      };

      kernel.onSubscribe((subscription) => {
        live.set(subscription.id, subscription);
        const override = subscription.options.resilience;
        if (override === false) return () => live.delete(subscription.id);
        const resolved = resolveResilience(defaults, override, `subscribe('${subscription.pattern}')`, 'INVALID_SUBSCRIPTION');
        const giveUp = resolved.deadLetter && sink !== undefined ? deadLetterTo : failDelivery;
        policies.set(subscription.id, new SubscriptionPolicy(resolved, giveUp));
        return () => {
          live.delete(subscription.id);
          policies.delete(subscription.id);
        };
      });

      // First of all deliver middleware after decode: a redriven event reaches only the subscription it names.
      kernel.useDeliver(
        'guard',
        function redriveTarget(ctx, next) {
          const target = ctx.event[REDRIVE_ATTRIBUTE];
          if (target !== undefined && !namesSubscription(target, ctx.subscription)) return;
          return next();
        },
        { order: Number.MIN_SAFE_INTEGER },
      );

      kernel.useDeliver(
        'handle',
        function resilientHandler(ctx, next) {
          const policy = policies.get(ctx.subscription.id);
          return policy === undefined ? next() : policy.handle(ctx, next);
        },
        // Reentrant: each attempt runs the rest of the chain (and the handler) again through next().
        { order: RESILIENCE_HANDLE_ORDER, reentrant: true },
      );

      // A message the transport could not decode goes to the same sink, in the same record, with its bytes.
      if (deadLetter !== false) {
        kernel.keepUndecodable(async (message) => {
          const letter = undecodableLetter(message, live.get(message.subscription.id));
          await (sink as DeadLetterSink).put(letter, bus);
          kernel.events.emit('deadLettered', {
            event: letter.event,
            error: letter.error,
            attempts: 0,
            subscription: live.get(message.subscription.id),
          });
        });
      }

      const deadLetters: DeadLetters = {
        get sink() {
          return sink;
        },
        list: async (filter) => (sink === undefined ? [] : [...(await sink.list(filter))]),
        async redrive(target) {
          const redriven: string[] = [];
          const failures: { id: string; error: BusError }[] = [];
          if (sink === undefined) return { redriven, failures };
          const all = typeof target === 'string' ? (await sink.list()).filter((letter) => letter.id === target) : await sink.list(target);
          for (const letter of all) {
            const failure = await redriveOne(sink, letter);
            if (failure === undefined) redriven.push(letter.id);
            else if (failure !== CLAIMED_ELSEWHERE) failures.push({ id: letter.id, error: failure });
          }
          return { redriven, failures };
        },
      };
      /**
       * Claims the letter (the sink's remove says whether this call removed it), then republishes it;
       * a concurrent redrive, here or in another process sharing the sink, sees false and skips it, so
       * each letter is republished once. A failed republish puts the letter back.
       */
      async function redriveOne(target: DeadLetterSink, letter: DeadLetter): Promise<BusError | typeof CLAIMED_ELSEWHERE | undefined> {
        if (letter.raw !== undefined) {
          return new BusError(
            'DECODE_FAILED',
            `Cannot redrive dead letter ${letter.id}: ${letter.raw.transport} message ${letter.raw.position} was never decoded, so there is no event to republish. Its bytes are in the letter's \`raw\`; fix the producer or the codec, then purge it.`,
            { eventId: letter.event.id },
          );
        }
        let to: string;
        let claimed: unknown;
        try {
          to = redriveTarget(letter, live);
          claimed = await target.remove(letter.id);
        } catch (error) {
          return BusError.from(error, 'STORE_FAILED', { eventId: letter.event.id });
        }
        if (claimed === false) return CLAIMED_ELSEWHERE;
        if (claimed !== true) {
          return new BusError(
            'STORE_FAILED',
            `Cannot redrive dead letter ${letter.id}: the sink's remove(id) must return true when it removed the letter and false when it was gone (got ${String(claimed)}).`,
            { eventId: letter.event.id },
          );
        }
        try {
          await bus.publish({ ...letter.event, [REDRIVE_ATTRIBUTE]: to });
          return undefined;
        } catch (error) {
          const failure = BusError.from(error, 'TRANSPORT_FAILED', { eventId: letter.event.id });
          try {
            await target.put(letter, bus);
          } catch (putError) {
            kernel.report(putError, 'STORE_FAILED', letter.event.id);
          }
          return failure;
        }
      }
      const controls: ResilienceControls = { circuit: (subscriptionId) => policies.get(subscriptionId)?.circuit };
      return { deadLetters, resilience: controls };
    },
  });
}

/** What `redriveOne` returns for a letter another redrive removed first. */
const CLAIMED_ELSEWHERE = Symbol('claimed elsewhere');

/**
 * The subscription a redrive goes to: the one that failed the event while it
 * lives, else one of the same name. With neither, every subscription would
 * skip the event and it would be lost, so the redrive fails instead.
 */
function redriveTarget(letter: DeadLetter, live: ReadonlyMap<string, Subscription>): string {
  if (live.has(letter.subscription.id)) return letter.subscription.id;
  for (const subscription of live.values()) if (subscription.name === letter.subscription.name) return subscription.name;
  throw new BusError(
    'INVALID_SUBSCRIPTION',
    `Cannot redrive dead letter ${letter.id}: no subscription named '${letter.subscription.name}' on this bus to take it.`,
    { eventId: letter.event.id },
  );
}

function namesSubscription(target: unknown, subscription: Subscription): boolean {
  return target === subscription.id || target === subscription.name;
}
