import { describe, expect, it } from 'vitest';
import { runInProcess } from '../src/in-process.ts';

describe('the in-process example', () => {
  it('shows wildcard routing, sealed PHI on the wire, an upcast, an ACL denial and a schema failure', async () => {
    const lines: string[] = [];
    await runInProcess((line) => lines.push(line));
    const output = lines.join('\n');
    expect(output).toContain('plugins: topics → schema → context → serialization → field-encryption → wire-tap');
    expect(output).toMatch(/🏥 er: admitted Ada Lovelace \(ssn •+6789\), triage amber, schema v2/);
    expect(output).toMatch(/on the wire: .*"name":"bus-sealed:/);
    expect(output).toMatch(/🏥 icu: admitted Grace Hopper .*triage red, schema v2/);
    expect(output).toMatch(/📝 audit\.admission\.recorded for er: causationid = the admission's id true, correlationid too true/);
    expect(output).toMatch(/📝 audit\.admission\.recorded for icu: causationid = the admission's id true, correlationid too true/);
    expect(output).toMatch(/✋ ACL_DENIED/);
    expect(output).toMatch(/✋ SCHEMA_INVALID: .*triage/);
    expect(output).toMatch(/none of them carried a patient's name in clear: true/);
    expect(output).not.toContain('⚠️');
  });
});
