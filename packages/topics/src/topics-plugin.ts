/**
 * The `topics()` plugin: wildcard routing for every transport of the bus, and
 * ACL guards on publish, subscribe and delivery.
 */
import { BusError, definePlugin, type Plugin, type Subscription } from '@bus/core';
import { type Acl, type AclEffect, type AclRule, createAcl, isAcl } from './acl.js';
import { checkedCacheSize, TopicTrie, type TopicTrieOptions } from './topic-trie.js';

/** Options of {@link topics}. */
export interface TopicsOptions {
  /** ACL rules, or an {@link Acl} made with `createAcl`. Default: no rules. */
  readonly acl?: Acl | readonly AclRule[];
  /**
   * The decision where no rule covers a (principal, action, type), when `acl`
   * is given as rules (an `Acl` carries its own). Default `'allow'`.
   */
  readonly defaultEffect?: AclEffect;
  /** How many types' matches each router caches; `0` turns the cache off. Default 1024. */
  readonly cacheSize?: number;
}

/** What {@link topics} adds to the bus. */
export interface TopicsExtension {
  /** The bus's ACL: `bus.acl.isAllowed(principal, action, type)`. */
  readonly acl: Acl;
}

/**
 * AMQP-style topics for the bus: subscription patterns may use `*` (one word)
 * and `#` (zero or more words), on every transport that routes with the bus's
 * router (`capabilities.wildcards`). With ACL rules, it also guards:
 *
 * - **publish** — a `guard`-phase middleware checks `ctx.principal` (from
 *   `publish(..., { principal })`, or set by an `enrich` middleware such as
 *   `@bus/context`'s) against the event type. Denied: the publish rejects
 *   with `ACL_DENIED` carrying the event id, and nothing is delivered.
 * - **subscribe** — `subscribe(pattern, handler, { principal })` throws
 *   `ACL_DENIED` when the principal may receive none of what `pattern` matches
 *   (and `INVALID_SUBSCRIPTION` for an invalid pattern, before or after `start()`).
 * - **delivery** — a subscription whose pattern the rules only partly allow
 *   (`orders.#` when `orders.*.secret` is denied) is accepted, and each event is
 *   checked as it arrives: a denied one skips the handler and is reported on
 *   `bus.events` `dropped` with an `ACL_DENIED` error — not as a failure.
 *
 * Without rules that could deny, it adds no middleware at all.
 *
 * @example
 * ```ts
 * const bus = createBus().use(
 *   topics({ acl: [{ principal: 'shop', pattern: 'payments.#', action: 'publish', effect: 'deny' }] }),
 * );
 * bus.subscribe('orders.*.created', (event) => console.log(event.type));
 * bus.subscribe('audit.#', (event) => console.log('audit', event.type));
 * await bus.start();
 * await bus.publish('orders.eu.created', { id: 'o-1' }, { principal: 'shop' });
 * bus.acl.isAllowed('shop', 'publish', 'payments.captured'); // false
 * ```
 */
export function topics(options: TopicsOptions = {}): Plugin<TopicsExtension> {
  const acl = aclFrom(options);
  const trieOptions: TopicTrieOptions = options.cacheSize === undefined ? {} : { cacheSize: checkedCacheSize(options.cacheSize) };
  return definePlugin({
    name: 'topics',
    setup(kernel) {
      kernel.setRouter(<T>() => new TopicTrie<T>(trieOptions));

      const denyByDefault = acl.defaultEffect === 'deny';
      // Guards only where a decision could be 'deny': otherwise they would slow every event for nothing.
      if (denyByDefault || acl.rules.some((rule) => rule.action === 'publish' && rule.effect === 'deny')) {
        kernel.usePublish('guard', function aclGuard(ctx, next) {
          acl.check(ctx.principal, 'publish', ctx.envelope.type, ctx.envelope.id);
          return next();
        });
      }

      // Subscriptions the rules only partly allow: their events are checked one by one.
      const filtered = new Set<Subscription>();
      kernel.onSubscribe(function aclSubscribe(subscription) {
        const principal = subscription.options.principal;
        const access = acl.subscribeAccess(principal, subscription.pattern);
        if (access === 'none') {
          const who = principal === undefined ? 'An anonymous subscriber' : `Principal '${principal}'`;
          throw new BusError('ACL_DENIED', `${who} may not subscribe to '${subscription.pattern}'.`, {
            details: { principal, action: 'subscribe', pattern: subscription.pattern },
          });
        }
        if (access === 'all') return;
        filtered.add(subscription);
        return () => filtered.delete(subscription);
      });

      // Only then can a subscription be partly allowed ('some'): see Acl.subscribeAccess.
      if (acl.rules.some((rule) => rule.action === 'subscribe' && (rule.effect === 'deny' || denyByDefault))) {
        kernel.useDeliver('guard', function aclDeliverGuard(ctx, next) {
          const subscription = ctx.subscription;
          const principal = subscription.options.principal;
          if (!filtered.has(subscription) || acl.isAllowed(principal, 'subscribe', ctx.event.type)) return next();
          const who = principal === undefined ? 'an anonymous subscriber' : `principal '${principal}'`;
          const error = new BusError(
            'ACL_DENIED',
            `Skipped '${ctx.event.type}' for subscription '${subscription.name}': ${who} may not receive it.`,
            { eventId: ctx.event.id, details: { principal, action: 'subscribe', type: ctx.event.type } },
          );
          // Never a silent drop: the kernel logs it when nobody handles 'dropped'.
          kernel.drop({ event: ctx.event, error, subscription });
        });
      }

      return { acl };
    },
  });
}

function aclFrom(options: TopicsOptions): Acl {
  if (options.acl === undefined || Array.isArray(options.acl)) {
    return createAcl(options.acl ?? [], options.defaultEffect === undefined ? {} : { defaultEffect: options.defaultEffect });
  }
  if (!isAcl(options.acl)) throw new BusError('PLUGIN_INVALID', 'topics({ acl }) takes an array of rules or an Acl from createAcl().');
  if (options.defaultEffect !== undefined) {
    throw new BusError('PLUGIN_INVALID', 'topics({ defaultEffect }) applies to rules; pass it to createAcl() when giving an Acl.');
  }
  return options.acl;
}
