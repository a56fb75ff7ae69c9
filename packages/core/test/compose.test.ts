import { afterEach, describe, expect, it, vi } from 'vitest';
import { BusError, type Middleware } from '../src/index.js';
import { compose } from '../src/plugin-kit.js';

interface Ctx {
  log: string[];
}

const step =
  (name: string): Middleware<Ctx> =>
  async (ctx, next) => {
    ctx.log.push(`${name}:in`);
    await next();
    ctx.log.push(`${name}:out`);
  };

describe('compose', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runs middleware as an onion around the terminal, first registered outermost', async () => {
    const run = compose([step('a'), step('b')], (ctx: Ctx) => void ctx.log.push('terminal'));
    const ctx = { log: [] };
    await run(ctx);
    expect(ctx.log).toEqual(['a:in', 'b:in', 'terminal', 'b:out', 'a:out']);
  });

  it('returns the terminal itself when there is no middleware', () => {
    const terminal = (ctx: Ctx): void => void ctx.log.push('t');
    expect(compose([], terminal)).toBe(terminal);
  });

  it('stays synchronous when every middleware is', () => {
    const sync: Middleware<Ctx> = (ctx, next) => {
      ctx.log.push('sync');
      return next();
    };
    const run = compose([sync, sync], (ctx: Ctx) => void ctx.log.push('end'));
    const ctx = { log: [] };
    expect(run(ctx)).toBeUndefined();
    expect(ctx.log).toEqual(['sync', 'sync', 'end']);
  });

  it('stops the chain when a middleware does not call next', async () => {
    const gate: Middleware<Ctx> = () => undefined;
    const ctx = { log: [] as string[] };
    await compose([gate, step('never')], (c: Ctx) => void c.log.push('terminal'))(ctx);
    expect(ctx.log).toEqual([]);
  });

  it('throws MIDDLEWARE_NEXT_TWICE naming the middleware that called next() twice', async () => {
    const twice: Middleware<Ctx> = async function twice(_ctx, next) {
      await next();
      await next();
    };
    const run = compose([twice], () => undefined);
    await expect(run({ log: [] })).rejects.toMatchObject({ code: 'MIDDLEWARE_NEXT_TWICE', message: expect.stringContaining('twice') });
    await expect(run({ log: [] })).rejects.toBeInstanceOf(BusError);
  });

  it('propagates an error from downstream to upstream middleware', async () => {
    const seen: unknown[] = [];
    const catcher: Middleware<Ctx> = async (_ctx, next) => {
      try {
        await next();
      } catch (error) {
        seen.push(error);
        throw error;
      }
    };
    const run = compose([catcher], () => {
      throw new Error('terminal failed');
    });
    await expect(Promise.resolve().then(() => run({ log: [] }))).rejects.toThrow('terminal failed');
    expect(seen).toHaveLength(1);
  });

  it('warns about a middleware that resolves before the chain it started (missing await) when asked', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const forgetful: Middleware<Ctx> = async function forgetful(_ctx, next) {
      void next();
    };
    const run = compose([forgetful], () => slow, { detectMissingAwait: true });
    await run({ log: [] });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("'forgetful'"), expect.objectContaining({ code: 'BUS_MISSING_AWAIT' }));
    release();
  });

  it('does not warn when the middleware awaits next()', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const careful: Middleware<Ctx> = async function careful(_ctx, next) {
      await next();
    };
    const run = compose([careful], () => new Promise<void>((resolve) => setTimeout(resolve, 1)), { detectMissingAwait: true });
    await run({ log: [] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(warn).not.toHaveBeenCalled();
  });

  it('lets a reentrant middleware run the rest of the chain again (retries)', async () => {
    let attempts = 0;
    const retryOnce: Middleware<Ctx> = async function retryOnce(_ctx, next) {
      try {
        await next();
      } catch {
        await next();
      }
    };
    const run = compose(
      [retryOnce],
      async () => {
        attempts++;
        if (attempts === 1) throw new Error('first attempt fails');
      },
      { reentrant: new Set([retryOnce]) },
    );
    await run({ log: [] });
    expect(attempts).toBe(2);
  });

  it('keeps the next()-twice guard for the middleware that are not reentrant', async () => {
    const retryOnce: Middleware<Ctx> = async function retryOnce(_ctx, next) {
      await Promise.resolve(next()).catch(() => next());
    };
    const strict: Middleware<Ctx> = async function strict(_ctx, next) {
      await next();
      await next();
    };
    const run = compose([retryOnce, strict], () => undefined, { reentrant: new Set([retryOnce]) });
    await expect(run({ log: [] })).rejects.toMatchObject({ code: 'MIDDLEWARE_NEXT_TWICE', message: expect.stringContaining("'strict'") });
  });
});
