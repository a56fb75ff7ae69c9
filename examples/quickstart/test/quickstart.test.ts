import { describe, expect, it } from 'vitest';
import { runQuickstart } from '../src/quickstart.ts';

describe('the quick start example', () => {
  it('prints the events flowing through the bus, the handler failure and the typed input error', async () => {
    const lines: string[] = [];
    await runQuickstart((line) => lines.push(line));
    const output = lines.join('\n');
    expect(output).toContain('bus with plugins [region], region eu-west');
    expect(output).toContain('📦 billing: invoice for o-1 (ada, €42) from eu-west');
    expect(output).toContain('🚚 shipping: o-1 queued (attempt 1)');
    expect(output).toMatch(/⚠️ {2}shipping failed orders\.created o-2: HANDLER_FAILED — order o-2 needs a manual review/);
    expect(output).toContain('✖  cancelled o-1');
    expect(output).toContain('bad input is a typed error: INVALID_EVENT');
    expect(output).toMatch(/⏱ {2}billing took [\d.]+ ms/);
    expect(lines.at(-1)).toBe('bus stopped');
  });
});
