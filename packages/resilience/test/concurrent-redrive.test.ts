import { type Bus, createBus } from '@bus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeadLetter, type DeadLetterSink, deadLetterMatches, memoryDeadLetterSink, resilience } from '../src/index.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

/** A round trip to a database: the next macrotask, so concurrent callers interleave between every statement. */
const roundTrip = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A sink that behaves like a table behind a connection pool: every call is one awaited round trip, `list` is a
 * snapshot (SELECT), and `remove` is one atomic DELETE that reports whether it deleted the row.
 */
function tableSink(): DeadLetterSink {
  const rows = new Map<string, DeadLetter>();
  return {
    async put(letter) {
      await roundTrip();
      rows.set(letter.id, letter);
    },
    async list(filter) {
      await roundTrip();
      return [...rows.values()].filter((letter) => deadLetterMatches(letter, filter));
    },
    async remove(id) {
      await roundTrip();
      return rows.delete(id); // DELETE … WHERE id = $1 → rowCount === 1
    },
  };
}

const LETTERS = 60;

describe.each([
  ['the memory sink', () => memoryDeadLetterSink()],
  ['an async database-like sink', tableSink],
])('two concurrent redrives on %s', (_name, makeSink) => {
  it(`deliver each of ${LETTERS} dead letters exactly once, and their reports sum to ${LETTERS}`, async () => {
    let broken = true;
    const deliveries = new Map<string, number>();
    const bus = createBus({ source: 'shop' }).use(resilience({ retry: { maxAttempts: 1 }, deadLetter: makeSink() }));
    buses.push(bus);
    bus.subscribe(
      'orders.created',
      async (event: { id: string; data: { n: number } }) => {
        if (broken) throw new Error('billing down');
        // Handlers that do I/O of uneven length: one redrive runs ahead of the other through its snapshot.
        for (let trip = 0; trip < event.data.n % 4; trip++) await roundTrip();
        deliveries.set(event.id, (deliveries.get(event.id) ?? 0) + 1);
      },
      { name: 'billing' },
    );
    await bus.start();
    for (let n = 0; n < LETTERS; n++) await bus.publish('orders.created', { n });
    const letters = await bus.deadLetters.list();
    expect(letters).toHaveLength(LETTERS);

    broken = false;
    const [first, second] = await Promise.all([bus.deadLetters.redrive({}), bus.deadLetters.redrive({ type: 'orders.created' })]);
    const twice = [...deliveries.values()].filter((count) => count > 1).length;
    console.log(
      `[redrive] ${_name}: letters=${LETTERS} first=${first.redriven.length} second=${second.redriven.length} ` +
        `delivered=${deliveries.size} deliveredTwice=${twice}`,
    );
    expect(first.failures).toEqual([]);
    expect(second.failures).toEqual([]);
    expect(first.redriven.length + second.redriven.length).toBe(LETTERS);
    expect(new Set([...first.redriven, ...second.redriven]).size).toBe(LETTERS);
    expect(deliveries.size).toBe(LETTERS);
    expect(twice).toBe(0);
    expect(new Set(deliveries.keys())).toEqual(new Set(letters.map((letter) => letter.event.id)));
    expect(await bus.deadLetters.list()).toEqual([]);
  });
});

describe('the sink contract of redrive', () => {
  it('fails a redrive with STORE_FAILED when remove does not say whether it removed, and republishes nothing', async () => {
    const inner = memoryDeadLetterSink();
    const vague: DeadLetterSink = {
      put: (letter, bus) => inner.put(letter, bus),
      list: (filter) => inner.list(filter),
      // A sink written before the contract said so: resolves undefined.
      remove: ((id: string) => void inner.remove(id)) as unknown as DeadLetterSink['remove'],
    };
    let calls = 0;
    const bus = createBus().use(resilience({ retry: { maxAttempts: 1 }, deadLetter: vague }));
    buses.push(bus);
    bus.subscribe('a', () => {
      calls++;
      throw new Error('broke');
    });
    await bus.start();
    await bus.publish('a', 1);
    const [letter] = await bus.deadLetters.list();
    const report = await bus.deadLetters.redrive({});
    expect(report.redriven).toEqual([]);
    expect(report.failures).toEqual([
      { id: letter?.id, error: expect.objectContaining({ code: 'STORE_FAILED', eventId: letter?.event.id }) },
    ]);
    expect(calls).toBe(1);
  });

  it('puts back a claimed dead letter whose republish fails, so a later redrive still finds it', async () => {
    const bus = createBus().use(resilience({ retry: { maxAttempts: 1 }, deadLetter: tableSink() }));
    buses.push(bus);
    bus.subscribe('a', () => {
      throw new Error('broke');
    });
    await bus.start();
    await bus.publish('a', 1);
    const [letter] = await bus.deadLetters.list();
    await bus.stop();
    const report = await bus.deadLetters.redrive({});
    expect(report.failures).toEqual([{ id: letter?.id, error: expect.objectContaining({ code: 'BUS_STOPPED' }) }]);
    expect(await bus.deadLetters.list()).toEqual([letter]);
  });
});
