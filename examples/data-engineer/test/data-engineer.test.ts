import { describe, expect, it } from 'vitest';
import { runDataEngineer } from '../src/data-engineer.ts';

describe('the data-engineer example', () => {
  it('runs the legacy nightly job on the facade, with consumers and PII sealing on .bus', async () => {
    const lines: string[] = [];
    await runDataEngineer((line) => lines.push(line));
    const output = lines.join('\n');
    expect(output).toContain('plugins on pipeline.bus: etl-pipeline → field-encryption → wire-tap');
    expect(output).toContain('authenticated: true, stranger: false');
    expect(output).toContain('stored 2 of 3 rows; first raw row: {"id":"r-1","email":" Ada@Example.com ","amount":"12.50"}');
    expect(output).toContain('totals: 2 orders, 1950 cents (parallelism 2)');
    expect(output).toContain('🏬 warehouse loaded r-1: 1250 cents for ada@example.com');
    expect(output).toContain('🏬 warehouse loaded r-2: 700 cents for grace@example.com');
    expect(output).not.toContain('warehouse loaded r-3');
    expect(output).toContain('report uploaded to s3://reports/2025-01-01.json after 3 attempts');
    expect(output).toContain('✋ SMTP down, 2025-01-01 not sent');
    expect(output).toContain('dead letters: [{"func":"notifyFinance","args":["2025-01-01"],"kwargs":{"channel":"email"}}]');
    expect(output).toContain('📟 on-call paged: notifyFinance(["2025-01-01"]) gave up');
    expect(output).toContain('nightly-orders: ["batch-1"] {"dryRun":false}');
    expect(output).toContain('health: {"consumerLag":0,"threadPoolUsage":2,"handlerCounts":{"sumCents":1,"countOrders":1}}');
    expect(output).toContain('3 events left the pipeline; e-mails in clear: false');
  });
});
