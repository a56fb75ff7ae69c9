import { describe, expect, it } from 'vitest';
import { runOperations } from '../src/operations.ts';

describe('the operations part of the in-process example', () => {
  it('retries a poison event, dead-letters it after the last attempt, redrives it once, and reports metrics', async () => {
    const lines: string[] = [];
    await runOperations((line) => lines.push(line));
    const output = lines.join('\n');
    expect(output.match(/attempt \d: cannot chart glucose="7.2 mmol\/L" for p-2/g)).toHaveLength(3);
    expect(output).toMatch(/☠️ {2}dead-lettered .* after 3 attempts: HANDLER_FAILED/);
    expect(output).toContain('redriven 1, left in the sink: 0');
    expect(output).toContain('📈 charted glucose = 7.2 for p-2');
    expect(output).toContain('messaging.client.sent.messages = 4');
    expect(output).toContain('bus.messages.dead_lettered = 1');
    expect(output).toContain('charted: p-1/glucose, p-3/potassium, p-2/glucose');
  });
});
