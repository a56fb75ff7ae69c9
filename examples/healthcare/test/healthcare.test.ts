import { describe, expect, it } from 'vitest';
import { runHealthcare } from '../src/healthcare.ts';

describe('the healthcare example', () => {
  it('routes sealed lab results by wildcard, dead-letters, migrates to field encryption, and runs the engineer API', async () => {
    const lines: string[] = [];
    await runHealthcare((line) => lines.push(line));
    const output = lines.join('\n');
    // 1. the legacy program with a @bus/crypto crypto module
    expect(output).toContain('🩺 lab.glucose.result: MRN-0042 glucose = 7.2 mmol/L');
    expect(output).toContain('🩺 lab.hba1c.result: MRN-0042 hba1c = 48 mmol/mol');
    expect(output).not.toMatch(/🩺 lab\.potassium/); // lab.*.result does not match lab.potassium.critical
    expect(output.match(/🗄️ {2}archived lab-\d: \d+ sealed bytes, key phi-2026/g)).toHaveLength(3);
    expect(output).toContain('☠️  dead letter lab-2: handler_exception (HANDLER_FAILED: pager gateway offline)');
    expect(output).toContain('☠️  dead letter lab-4: missing_payload');
    expect(output).toContain('replay: lab-1, lab-2, lab-3; queued 3');
    expect(output).toContain('stored payloads name no patient in clear: true');
    // 2. the plugin on .bus: plaintext for handlers, sealed fields on the wire
    expect(output).toContain('🩺 lab.glucose.result: Ada Lovelace (MRN-0042) glucose = 7.2 mmol/L');
    expect(output).toMatch(/on the wire: \{"patient":\{"mrn":"bus-sealed:[^"]+","name":"bus-sealed:[^"]+"\},"test":"glucose"/);
    expect(output.split('on the wire:')[1]).not.toMatch(/Ada Lovelace|MRN-0042/);
    // 3. the engineer API
    expect(output).toContain('🔐 nurse-joy may read lab_results: true; billing: false');
    expect(output).toContain('📋 valid result: true; value as text: false; validationErrors = 1');
    expect(output).toContain('✅ lab_results admitted #2');
    expect(output).toContain('✋ lab_results #3: OverflowError BACKPRESSURE_REJECTED');
    expect(output).toContain('✋ .bus refuses a result without a value: SCHEMA_INVALID');
  });
});
