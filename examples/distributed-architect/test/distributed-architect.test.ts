import { afterEach, describe, expect, it, vi } from 'vitest';
import { runDistributedArchitect } from '../src/distributed-architect.ts';

afterEach(() => vi.restoreAllMocks());

describe('the distributed-architect example', () => {
  it('runs the legacy order router on the facade, with card numbers sealed by a plugin on .bus', async () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const lines: string[] = [];
    await runDistributedArchitect((line) => lines.push(line));
    const output = lines.join('\n');
    expect(output).toContain('plugins on eventBus.bus: topics → field-encryption → wire-tap');
    expect(output).toContain('checkout may publish orders.created: true');
    expect(output).toContain('analytics may publish orders.created: false');
    expect(output).toContain('accepted o-1 as o-1;30');
    expect(output).toContain('✋ o-2 refused: SCHEMA_INVALID data/total must be number');
    expect(output).toContain('✋ o-5 refused: BACKPRESSURE_REJECTED (queue full)');
    expect(output).toContain('picks: {"picker-a":["o-1","o-4"],"picker-b":["o-3"]}');
    expect(output).toContain('cluster leader: node-1 of 3');
    expect(output).toContain('📦 fulfilment got o-1: 30 EUR, card ending 1111');
    expect(output).toContain('📦 fulfilment got o-3: 12 EUR, card ending 0004');
    expect(output).toContain('📦 fulfilment got o-4: 99 EUR, card ending 0009');
    expect(output).not.toMatch(/fulfilment got o-[25]/);
    expect(output).toContain('request contexts: r-1, r-2');
    expect(output).toContain('legacy XOR round trip: true');
    expect(output).toContain('AES-256-GCM round trip: true');
    expect(output).toContain('metrics: {"counters":{"orders.accepted":3,"orders.refused":2}}');
    expect(output).toContain(
      'docs: {"serializers":["json","csv"],"acls":{"orders.#":["checkout"]},"metrics":["orders.accepted","orders.refused"]}',
    );
    expect(output).toContain('3 orders left the publish pipeline; card numbers in clear: false');
  });
});
