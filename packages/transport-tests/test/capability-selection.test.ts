import { memoryTransport, type Transport } from '@bus/core';
import { topics } from '@bus/topics';
import { describe, expect, it } from 'vitest';
import { describeTransportConformance } from '../src/index.js';

/** The memory transport, claiming none of the optional capabilities. */
function minimalTransport(): Transport {
  const inner = memoryTransport();
  return {
    name: 'minimal',
    capabilities: {
      ...inner.capabilities,
      consumerGroups: false,
      orderedPerKey: false,
      durable: false,
      redelivery: false,
      wildcards: false,
    },
    start: (context) => inner.start(context),
    stop: () => inner.stop(),
    send: (messages) => inner.send(messages),
    subscribe: (spec, onMessage) => inner.subscribe(spec, onMessage),
  };
}

describeTransportConformance('minimal transport', { createTransport: minimalTransport });

// An asynchronous factory, with the capabilities given instead of read from a transport.
// The memory transport claims `wildcards`, but without wildcardPlugins there is no router to test them with.
describeTransportConformance('async factory', {
  createTransport: async () => memoryTransport(),
  capabilities: memoryTransport().capabilities,
  typePrefix: 'conformance.async-factory',
});

// The same with a wildcard router: the `wildcards` tests are registered.
describeTransportConformance('wildcard router', {
  createTransport: () => memoryTransport(),
  wildcardPlugins: () => [topics()],
  typePrefix: 'conformance.wildcard-router',
});

// A router given, but a transport that does not claim `wildcards`: no test.
describeTransportConformance('minimal transport with a wildcard router', {
  createTransport: minimalTransport,
  wildcardPlugins: () => [topics()],
});

interface TaskLike {
  readonly name: string;
  readonly type: string;
  readonly mode: string;
  readonly tasks?: readonly TaskLike[];
}

const BASIC = [
  'claims each of the seven capabilities as a boolean, as the tests were selected by',
  'delivery',
  'a failing handler',
  'dead letters (with @bus/resilience)',
  'lifecycle',
];

describe('capability selection', () => {
  const suiteNamed = (file: TaskLike, name: string): TaskLike => {
    const suite = file.tasks?.find((task) => task.name === name);
    if (suite === undefined) throw new Error(`no suite named ${name}`);
    return suite;
  };
  const everyTask = (task: TaskLike): TaskLike[] => [task, ...(task.tasks ?? []).flatMap(everyTask)];

  it('registers only the basic tests for a transport that claims no optional capability', ({ task }) => {
    const suite = suiteNamed(task.file, 'minimal transport conformance');
    expect(suite.tasks?.map((child) => child.name)).toEqual(BASIC);
  });

  it('registers the tests of each claimed capability, from the capabilities option', ({ task }) => {
    const suite = suiteNamed(task.file, 'async factory conformance');
    expect(suite.tasks?.map((child) => child.name)).toEqual([
      ...BASIC.slice(0, 4),
      'order per partition key',
      'consumer groups',
      'lifecycle',
    ]);
  });

  it('registers the wildcards tests only for a transport claiming wildcards, given wildcardPlugins', ({ task }) => {
    expect(suiteNamed(task.file, 'wildcard router conformance').tasks?.map((child) => child.name)).toEqual([
      ...BASIC.slice(0, 4),
      'order per partition key',
      'consumer groups',
      'wildcards',
      'lifecycle',
    ]);
    expect(suiteNamed(task.file, 'minimal transport with a wildcard router conformance').tasks?.map((child) => child.name)).toEqual(BASIC);
  });

  it('skips nothing: an unclaimed capability has no test rather than a skipped one', ({ task }) => {
    const modes = everyTask(task.file).map((each) => each.mode);
    expect(modes.filter((mode) => mode === 'skip' || mode === 'todo')).toEqual([]);
  });
});

describe('options', () => {
  it('rejects a missing createTransport and bad timeouts with a TypeError that names the option', () => {
    expect(() => describeTransportConformance('x', {} as never)).toThrowError(/createTransport/);
    expect(() => describeTransportConformance('x', { createTransport: memoryTransport, deliveryTimeoutMs: 0 })).toThrowError(
      /deliveryTimeoutMs/,
    );
    expect(() => describeTransportConformance('x', { createTransport: memoryTransport, typePrefix: '' })).toThrowError(/typePrefix/);
    expect(() => describeTransportConformance('x', { createTransport: memoryTransport, wildcardPlugins: [] as never })).toThrowError(
      /wildcardPlugins/,
    );
  });
});
