/**
 * Access control lists: who may publish or subscribe to which types. Deny
 * wins; where no rule speaks, the default decides. Rules are matched with the
 * same tries as subscriptions, so a check on the hot path is a cached lookup
 * and a short loop.
 */
import { BusError } from '@bus/core';
import { patternCovers, patternsOverlap } from './pattern-relations.js';
import { hasWildcard, parsePattern } from './topic-pattern.js';
import { TopicTrie } from './topic-trie.js';

/** What a rule is about: publishing a type, or subscribing to it. */
export type AclAction = 'publish' | 'subscribe';

/** What a rule decides. */
export type AclEffect = 'allow' | 'deny';

/**
 * One ACL rule: `principal` may (`allow`) or may not (`deny`) `action` the
 * types `pattern` matches.
 *
 * @example
 * ```ts
 * const rule: AclRule = { principal: 'billing', pattern: 'invoices.#', action: 'publish', effect: 'allow' };
 * ```
 */
export interface AclRule {
  /** Whom the rule is about; `'*'` is anyone, including a caller that gives no principal. */
  readonly principal: string;
  /** The types it is about: a topic pattern (`*` one word, `#` zero or more). */
  readonly pattern: string;
  /** Publishing or subscribing. */
  readonly action: AclAction;
  /** Allow or deny. */
  readonly effect: AclEffect;
}

/** Options of {@link createAcl}. */
export interface AclOptions {
  /** The decision where no rule covers a (principal, action, type). Default `'allow'`. */
  readonly defaultEffect?: AclEffect;
}

/**
 * How much of a subscription pattern a principal may receive:
 * `'all'` — every type it matches is allowed; `'none'` — no type it matches is
 * (the subscription is refused); `'some'` — it is accepted and each event is
 * checked as it is delivered. `'some'` is the cautious answer when the
 * rules only partly overlap the pattern: it may turn out that nothing passes.
 */
export type SubscribeAccess = 'all' | 'some' | 'none';

/**
 * A fixed set of ACL rules and the decisions they make. For a (principal,
 * action, type), the rules that apply are those of that action whose principal
 * is the principal or `'*'` and whose pattern matches the type. Then:
 * any deny → denied; else any allow → allowed; else the `defaultEffect`.
 * A caller without a principal is anonymous: only `'*'` rules apply to it.
 *
 * @example
 * ```ts
 * const acl = createAcl([{ principal: 'billing', pattern: 'invoices.#', action: 'publish', effect: 'allow' }], {
 *   defaultEffect: 'deny',
 * });
 * acl.isAllowed('billing', 'publish', 'invoices.sent'); // true
 * acl.check('shop', 'publish', 'invoices.sent'); // throws BusError ACL_DENIED
 * ```
 */
export interface Acl {
  /** The rules, frozen, in the order given (order never changes a decision). */
  readonly rules: readonly AclRule[];
  /** The decision where no rule applies. */
  readonly defaultEffect: AclEffect;
  /** Whether `principal` (`undefined`: anonymous) may `action` the event type `type` (its words taken literally). */
  isAllowed(principal: string | undefined, action: AclAction, type: string): boolean;
  /** Throws `ACL_DENIED` (with `eventId`, when given) unless {@link Acl.isAllowed}. */
  check(principal: string | undefined, action: AclAction, type: string, eventId?: string): void;
  /**
   * How much of what `pattern` matches `principal` may receive. For a pattern
   * without wildcards this is `'all'` or `'none'`, exactly as `isAllowed`.
   * Throws `INVALID_SUBSCRIPTION` for an invalid pattern.
   */
  subscribeAccess(principal: string | undefined, pattern: string): SubscribeAccess;
}

/** A rule's principal that stands for anyone. */
const ANYONE = '*';
const ACTIONS: readonly string[] = ['publish', 'subscribe'];
const EFFECTS: readonly string[] = ['allow', 'deny'];

/**
 * Makes an {@link Acl} from rules. Throws `PLUGIN_INVALID` for a malformed rule
 * (a non-empty `principal`, a valid `pattern`, a known `action` and `effect`
 * are required); the rules are copied and frozen.
 *
 * @example
 * ```ts
 * const acl = createAcl([
 *   { principal: '*', pattern: 'orders.#', action: 'subscribe', effect: 'allow' },
 *   { principal: '*', pattern: 'orders.*.secret', action: 'subscribe', effect: 'deny' },
 * ]);
 * acl.isAllowed('anyone', 'subscribe', 'orders.eu.created'); // true
 * acl.isAllowed('anyone', 'subscribe', 'orders.eu.secret'); // false: deny wins
 * acl.subscribeAccess('anyone', 'orders.#'); // 'some'
 * ```
 */
export function createAcl(rules: readonly AclRule[], options: AclOptions = {}): Acl {
  const defaultEffect = options.defaultEffect ?? 'allow';
  if (!EFFECTS.includes(defaultEffect)) {
    throw new BusError('PLUGIN_INVALID', `ACL defaultEffect must be 'allow' or 'deny', got ${JSON.stringify(defaultEffect)}.`);
  }
  if (!Array.isArray(rules)) throw new BusError('PLUGIN_INVALID', 'ACL rules must be an array.');
  const frozen = Object.freeze(rules.map(checkedRule));
  const publishRules = new TopicTrie<AclRule>();
  const subscribeRules = new TopicTrie<AclRule>();
  for (const rule of frozen) (rule.action === 'publish' ? publishRules : subscribeRules).add(rule.pattern, rule);
  const allowsByDefault = defaultEffect === 'allow';

  const isAllowed = (principal: string | undefined, action: AclAction, type: string): boolean => {
    // Fails closed on anything but the two actions (a caller without types).
    const trie = action === 'publish' ? publishRules : action === 'subscribe' ? subscribeRules : undefined;
    if (trie === undefined) return false;
    const applicable = trie.match(type);
    let allowed = false;
    for (let i = 0; i < applicable.length; i++) {
      const rule = applicable[i] as AclRule;
      if (rule.principal !== ANYONE && rule.principal !== principal) continue;
      if (rule.effect === 'deny') return false;
      allowed = true;
    }
    return allowed || allowsByDefault;
  };

  return Object.freeze({
    rules: frozen,
    defaultEffect,
    isAllowed,
    check(principal: string | undefined, action: AclAction, type: string, eventId?: string): void {
      if (isAllowed(principal, action, type)) return;
      throw new BusError('ACL_DENIED', `${who(principal)} may not ${action} '${type}'.`, {
        eventId,
        details: { principal, action, type },
      });
    },
    subscribeAccess(principal: string | undefined, pattern: string): SubscribeAccess {
      parsePattern(pattern);
      if (!hasWildcard(pattern)) return isAllowed(principal, 'subscribe', pattern) ? 'all' : 'none';
      const applicable = frozen.filter(
        (rule) => rule.action === 'subscribe' && (rule.principal === ANYONE || rule.principal === principal),
      );
      const denies = applicable.filter((rule) => rule.effect === 'deny');
      const allows = applicable.filter((rule) => rule.effect === 'allow');
      // A deny covering the whole pattern, or nothing that could allow any of it: refuse.
      if (denies.some((rule) => patternCovers(rule.pattern, pattern))) return 'none';
      if (!allowsByDefault && !allows.some((rule) => patternsOverlap(rule.pattern, pattern))) return 'none';
      // No deny touches it, and the default or one allow rule admits every type it matches.
      const untouchedByDenies = !denies.some((rule) => patternsOverlap(rule.pattern, pattern));
      if (untouchedByDenies && (allowsByDefault || allows.some((rule) => patternCovers(rule.pattern, pattern)))) return 'all';
      return 'some';
    },
  });
}

/** Whether `value` is an {@link Acl} (rather than an array of rules). */
export function isAcl(value: unknown): value is Acl {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Acl>).isAllowed === 'function';
}

function checkedRule(rule: AclRule, index: number): AclRule {
  const where = `ACL rule #${index}`;
  if (typeof rule !== 'object' || rule === null) throw new BusError('PLUGIN_INVALID', `${where} must be an object.`);
  if (typeof rule.principal !== 'string' || rule.principal.length === 0) {
    throw new BusError('PLUGIN_INVALID', `${where} needs a non-empty principal ('*' for anyone).`);
  }
  if (!ACTIONS.includes(rule.action)) throw new BusError('PLUGIN_INVALID', `${where} needs action 'publish' or 'subscribe'.`);
  if (!EFFECTS.includes(rule.effect)) throw new BusError('PLUGIN_INVALID', `${where} needs effect 'allow' or 'deny'.`);
  try {
    parsePattern(rule.pattern);
  } catch (error) {
    throw new BusError('PLUGIN_INVALID', `${where}: ${(error as Error).message}`, { cause: error });
  }
  return Object.freeze({ principal: rule.principal, pattern: rule.pattern, action: rule.action, effect: rule.effect });
}

function who(principal: string | undefined): string {
  return principal === undefined ? 'An anonymous caller' : `Principal '${principal}'`;
}
