// The 2 tests of tests/test_data_engineer_serializer_workflow.py.
import { afterEach, describe, expect, it } from 'vitest';
import { ETLPipeline, type ETLSerializer } from '../src/index.js';

class JSONSerializer implements ETLSerializer {
  serialize(data: unknown): string {
    return JSON.stringify(data);
  }
  deserialize(data: unknown): unknown {
    return JSON.parse(String(data));
  }
}

const pipelines: ETLPipeline[] = [];
function newPipeline(): ETLPipeline {
  const pipeline = new ETLPipeline();
  pipelines.push(pipeline);
  return pipeline;
}
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((pipeline) => pipeline.stop()));
});

describe('the legacy data-engineer serializer workflow suite', () => {
  it('json serializer integration', () => {
    const p = newPipeline();
    const serializer = new JSONSerializer();
    p.registerSerializer('json', serializer);
    expect('json' in p.serializerRegistry).toBe(true);
    const obj = { a: 1, b: [1, 2, 3] };
    const raw = serializer.serialize(obj);
    expect(serializer.deserialize(raw)).toEqual(obj);
  });

  it('publish with no serializer', () => {
    const p = newPipeline();
    const identity = <T>(x: T): T => x;
    const events = ['a', 'b'];
    p.publishSync(events, identity);
    expect(p.eventStore.raw).toEqual(events);
    expect(p.eventStore.processed).toEqual(events);
  });
});
