import { describe, expect, it } from 'vitest';
import { runEventSourcing } from '../src/event-sourcing.ts';

describe('the event-sourcing example', () => {
  it('prints the commands, a snapshot, the refused command, the conflict, the rebuilds, the replay and the live projection', async () => {
    const lines: string[] = [];
    await runEventSourcing((line) => lines.push(line));
    const output = lines.join('\n');
    expect(output).toContain('bank on SQLite (sqlite), plugins [event-store]');
    expect(output).toContain('🏦 acct-ada opened for Ada');
    expect(output).toContain('💰 acct-ada +€100');
    expect(output).toMatch(/📸 snapshot of acct-ada at v2 \(balance €150\)/);
    expect(output).toContain('✋ refused: insufficient funds: balance €500, asked €9000');
    expect(output).toContain('both read v4, balance €145');
    expect(output).toMatch(/⚔️ {2}teller B: CONCURRENCY_CONFLICT — Stream 'acct-ada' was expected at version 4 but is at version 5/);
    expect(output).toContain('teller B reloaded and retried: refused, insufficient funds: balance €45, asked €100');
    expect(output).toContain('at v2: balance €150');
    expect(output).toContain('6 events replayed (6 seen as replays)');
    expect(output).toMatch(/acct-ada {3}€45\n {3}acct-grace €500/);
    expect(output).toContain('the store still holds 8 events: replays are not stored again');
    expect(output).toContain('live at position 9: acct-ada €50');
    expect(lines.at(-1)).toBe('\nbus stopped');
  });
});
