import { describe, expect, it } from 'vitest';
import { runAres } from '../src/ares.ts';

describe('the Ares example', () => {
  it('prints the trading flow, the dropped glitch, the metrics, the replay, the rebuild, the files and the migration', async () => {
    const lines: string[] = [];
    await runAres((line) => lines.push(line));
    const output = lines.join('\n');
    expect(lines[0]).toBe('event bus ready: persistence true, a snapshot every 5 events');
    expect(output).toContain('📈 strategist: BTCUSDT at 50200, holding');
    expect(output).toContain('📉 strategist: BTCUSDT at 49800 is below 50000, buying 0.1');
    expect(output).toMatch(
      /✋ dropped: SCHEMA_INVALID — Event \S+ \(market_data_received\) failed schema validation at version 1\.0\.0 \(data must have required property 'volume'\)/,
    );
    expect(output).toMatch(/✅ order-1 filled: \+0\.1 at 49800, position 0\.1 \(sequence \d+\)/);
    expect(output).toMatch(/✅ order-2 filled: \+0\.1 at 49500, position 0\.2 \(sequence \d+\)/);
    expect(output).toContain('📟 pager (CloudEvents on .bus): risk_alert for trader_1, correlationid tick-3');
    expect(output).toContain('processed 10, failed 1, snapshots 3');
    expect(output).toContain(
      'audit plugin saw: market_data_received×3, trade_decision_made×2, trade_executed×2, performance_update×2, risk_alert×1',
    );
    expect(output).toMatch(/replayed trades of trader_1: #(\d+) order-1, #\d+ order-2/);
    expect(output).toMatch(/replay of sequences (\d+)\.\.\d+ \(inclusive\): trade_executed, trade_executed, performance_update/);
    expect(output).toContain('rebuilt trader_1: 2 trades, performance {"position":0.2,"average_price":49650}');
    expect(output).toMatch(/files: events\/events_\d{8}\.jsonl; snapshots\/(snapshot_system_\d+\.json(, )?){2}/);
    expect(output).toContain('a stored line, readable by the Python system: {"event_type":"market_data_received","data":');
    expect(output).toContain('migrated to schema 1.1.0: data now has timestamp true');
    expect(lines.at(-1)).toBe('event bus stopped');
  });
});
