// The 2 tests of tests/test_data_engineer_context_and_extensions.py.
import { afterEach, describe, expect, it } from 'vitest';
import { type ContextCall, ETLPipeline } from '../src/index.js';

const pipelines: ETLPipeline[] = [];
function newPipeline(): ETLPipeline {
  const pipeline = new ETLPipeline();
  pipelines.push(pipeline);
  return pipeline;
}
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((pipeline) => pipeline.stop()));
});

describe('the legacy data-engineer context and extensions suite', () => {
  it('extension transform', () => {
    const p = newPipeline();
    p.registerExtension('upper', (s: string) => s.toUpperCase());
    const ext = p.extensionRegistry.upper;
    expect(ext?.('test')).toBe('TEST');
  });

  it('propagate multiple contexts', () => {
    const p = newPipeline();
    const results: ContextCall<{ id: number }>[] = [];
    const collect = (ctx: ContextCall<{ id: number }>): ContextCall<{ id: number }> => {
      results.push(ctx);
      return ctx;
    };
    const ctx1 = { id: 1 };
    const ctx2 = { id: 2 };
    const w1 = p.propagateContext(collect, ctx1);
    const w2 = p.propagateContext(collect, ctx2);
    expect(w1('x')).toEqual({ context: ctx1, args: ['x'], kwargs: {} });
    expect(w2('y', { key: 5 })).toEqual({ context: ctx2, args: ['y'], kwargs: { key: 5 } });
    expect(results[0]?.context).toBe(ctx1);
    expect(results[1]?.context).toBe(ctx2);
  });
});
