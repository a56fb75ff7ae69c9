import { BusError } from '@bus/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AclAction, type AclRule, createAcl, isAcl, matchTopic } from '../src/index.js';

const PRINCIPALS = ['alice', 'bob'] as const;
const principal = fc.constantFrom<string | undefined>(...PRINCIPALS, undefined);
const pattern = fc.array(fc.constantFrom('a', 'b', '*', '#'), { minLength: 1, maxLength: 3 }).map((words) => words.join('.'));
const type = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }).map((words) => words.join('.'));
const action = fc.constantFrom<AclAction>('publish', 'subscribe');
const effect = fc.constantFrom('allow' as const, 'deny' as const);
const rule = (effects = effect): fc.Arbitrary<AclRule> =>
  fc.record({ principal: fc.constantFrom('alice', 'bob', '*'), pattern, action, effect: effects });
const rules = fc.array(rule(), { maxLength: 6 });
const defaultEffect = effect;

describe('createAcl', () => {
  it('lets deny win over allow, whatever the rule order', () => {
    const allow: AclRule = { principal: 'alice', pattern: 'orders.#', action: 'publish', effect: 'allow' };
    const deny: AclRule = { principal: '*', pattern: 'orders.*.refunded', action: 'publish', effect: 'deny' };
    for (const acl of [createAcl([allow, deny]), createAcl([deny, allow])]) {
      expect(acl.isAllowed('alice', 'publish', 'orders.eu.created')).toBe(true);
      expect(acl.isAllowed('alice', 'publish', 'orders.eu.refunded')).toBe(false);
    }
  });

  it('uses the default effect only where no rule applies (allow unless told otherwise)', () => {
    const rules: AclRule[] = [{ principal: 'alice', pattern: 'orders.#', action: 'publish', effect: 'allow' }];
    expect(createAcl(rules).isAllowed('bob', 'publish', 'orders.created')).toBe(true);
    expect(createAcl(rules).defaultEffect).toBe('allow');
    const strict = createAcl(rules, { defaultEffect: 'deny' });
    expect(strict.isAllowed('alice', 'publish', 'orders.created')).toBe(true);
    expect(strict.isAllowed('bob', 'publish', 'orders.created')).toBe(false);
    expect(strict.isAllowed('alice', 'subscribe', 'orders.created')).toBe(false);
  });

  it("applies '*' rules to everyone, anonymous callers included, and named rules only to their principal", () => {
    const acl = createAcl(
      [
        { principal: '*', pattern: 'public.#', action: 'subscribe', effect: 'allow' },
        { principal: 'alice', pattern: 'private.#', action: 'subscribe', effect: 'allow' },
      ],
      { defaultEffect: 'deny' },
    );
    expect(acl.isAllowed(undefined, 'subscribe', 'public.news')).toBe(true);
    expect(acl.isAllowed('bob', 'subscribe', 'public.news')).toBe(true);
    expect(acl.isAllowed('alice', 'subscribe', 'private.mail')).toBe(true);
    expect(acl.isAllowed('bob', 'subscribe', 'private.mail')).toBe(false);
    expect(acl.isAllowed(undefined, 'subscribe', 'private.mail')).toBe(false);
  });

  it('check() throws ACL_DENIED with the event id and what was refused', () => {
    const acl = createAcl([{ principal: '*', pattern: 'admin.#', action: 'publish', effect: 'deny' }]);
    expect(() => acl.check('alice', 'publish', 'orders.created')).not.toThrow();
    const error = (() => {
      try {
        acl.check('alice', 'publish', 'admin.reset', 'e-1');
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(BusError.is(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'ACL_DENIED',
      eventId: 'e-1',
      message: "Principal 'alice' may not publish 'admin.reset'.",
      details: { principal: 'alice', action: 'publish', type: 'admin.reset' },
    });
  });

  it('fails closed on an unknown action', () => {
    expect(createAcl([]).isAllowed('alice', 'delete' as AclAction, 'a')).toBe(false);
  });

  it('refuses malformed rules and options with PLUGIN_INVALID, and freezes what it keeps', () => {
    const good: AclRule = { principal: 'alice', pattern: 'a.#', action: 'publish', effect: 'allow' };
    for (const bad of [
      { ...good, principal: '' },
      { ...good, pattern: 'a..b' },
      { ...good, action: 'read' },
      { ...good, effect: 'maybe' },
      null,
    ]) {
      expect(() => createAcl([bad as AclRule])).toThrowError(
        expect.objectContaining({ code: 'PLUGIN_INVALID', message: expect.stringContaining('#0') }),
      );
    }
    expect(() => createAcl([], { defaultEffect: 'perhaps' as never })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => createAcl('rules' as never)).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    const mutable = { ...good };
    const acl = createAcl([mutable]);
    mutable.effect = 'deny';
    expect(acl.isAllowed('alice', 'publish', 'a.b')).toBe(true);
    expect(Object.isFrozen(acl.rules)).toBe(true);
    expect(Object.isFrozen(acl.rules[0])).toBe(true);
    expect(isAcl(acl)).toBe(true);
    expect(isAcl([good])).toBe(false);
  });

  describe('decisions (properties)', () => {
    it('match the rules read literally: any applicable deny denies, else any allow allows, else the default', () => {
      fc.assert(
        fc.property(rules, defaultEffect, principal, action, type, (rs, def, p, a, t) => {
          const applicable = rs.filter((r) => r.action === a && (r.principal === '*' || r.principal === p) && matchTopic(r.pattern, t));
          const expected = applicable.some((r) => r.effect === 'deny')
            ? false
            : applicable.some((r) => r.effect === 'allow') || def === 'allow';
          expect(createAcl(rs, { defaultEffect: def }).isAllowed(p, a, t)).toBe(expected);
        }),
      );
    });

    it('never widen access when a deny rule is added', () => {
      fc.assert(
        fc.property(rules, rule(fc.constant('deny' as const)), defaultEffect, principal, action, type, (rs, deny, def, p, a, t) => {
          if (createAcl([...rs, deny], { defaultEffect: def }).isAllowed(p, a, t)) {
            expect(createAcl(rs, { defaultEffect: def }).isAllowed(p, a, t)).toBe(true);
          }
        }),
      );
    });

    it('never narrow access when an allow rule is added (and widen it only where no deny applies)', () => {
      fc.assert(
        fc.property(rules, rule(fc.constant('allow' as const)), defaultEffect, principal, action, type, (rs, allow, def, p, a, t) => {
          const before = createAcl(rs, { defaultEffect: def }).isAllowed(p, a, t);
          const after = createAcl([...rs, allow], { defaultEffect: def }).isAllowed(p, a, t);
          if (before) expect(after).toBe(true);
          if (after && !before) {
            expect(allow.action === a && (allow.principal === '*' || allow.principal === p) && matchTopic(allow.pattern, t)).toBe(true);
          }
        }),
      );
    });

    it('do not depend on rule order', () => {
      fc.assert(
        fc.property(rules, defaultEffect, principal, action, type, (rs, def, p, a, t) => {
          const reversed = [...rs].reverse();
          expect(createAcl(reversed, { defaultEffect: def }).isAllowed(p, a, t)).toBe(
            createAcl(rs, { defaultEffect: def }).isAllowed(p, a, t),
          );
        }),
      );
    });

    it("are not changed for one principal by rules naming another (only '*' rules are shared)", () => {
      fc.assert(
        fc.property(rules, rule(), defaultEffect, action, type, (rs, extra, def, a, t) => {
          const forBob = { ...extra, principal: 'bob' };
          expect(createAcl([...rs, forBob], { defaultEffect: def }).isAllowed('alice', a, t)).toBe(
            createAcl(rs, { defaultEffect: def }).isAllowed('alice', a, t),
          );
        }),
      );
    });
  });

  describe('subscribeAccess (properties)', () => {
    it("is sound: 'all' means every type the pattern matches is allowed, 'none' that none is", () => {
      fc.assert(
        fc.property(rules, defaultEffect, principal, pattern, fc.array(type, { maxLength: 10 }), (rs, def, p, subscription, types) => {
          const acl = createAcl(rs, { defaultEffect: def });
          const access = acl.subscribeAccess(p, subscription);
          for (const t of types.filter((candidate) => matchTopic(subscription, candidate))) {
            if (access === 'all') expect(acl.isAllowed(p, 'subscribe', t)).toBe(true);
            if (access === 'none') expect(acl.isAllowed(p, 'subscribe', t)).toBe(false);
          }
        }),
        { numRuns: 500 },
      );
    });

    it('equals isAllowed for patterns without wildcards', () => {
      fc.assert(
        fc.property(rules, defaultEffect, principal, type, (rs, def, p, t) => {
          const acl = createAcl(rs, { defaultEffect: def });
          expect(acl.subscribeAccess(p, t)).toBe(acl.isAllowed(p, 'subscribe', t) ? 'all' : 'none');
        }),
      );
    });

    it('answers the common shapes', () => {
      const acl = createAcl([
        { principal: 'audit', pattern: 'orders.#', action: 'subscribe', effect: 'allow' },
        { principal: '*', pattern: 'orders.*.card', action: 'subscribe', effect: 'deny' },
        { principal: '*', pattern: 'secrets.#', action: 'subscribe', effect: 'deny' },
      ]);
      expect(acl.subscribeAccess('audit', 'orders.*.created')).toBe('all');
      expect(acl.subscribeAccess('audit', 'orders.#')).toBe('some');
      expect(acl.subscribeAccess('audit', 'orders.*.card')).toBe('none');
      expect(acl.subscribeAccess('audit', 'secrets.*')).toBe('none');
      expect(acl.subscribeAccess('audit', 'secrets.keys')).toBe('none');
      expect(() => acl.subscribeAccess('audit', 'a..b')).toThrowError(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
      const strict = createAcl([{ principal: 'audit', pattern: 'orders.eu.#', action: 'subscribe', effect: 'allow' }], {
        defaultEffect: 'deny',
      });
      expect(strict.subscribeAccess('audit', 'orders.eu.*')).toBe('all');
      expect(strict.subscribeAccess('audit', 'orders.#')).toBe('some');
      expect(strict.subscribeAccess('audit', 'users.#')).toBe('none');
      expect(strict.subscribeAccess('other', 'orders.eu.*')).toBe('none');
    });
  });
});
