/** The capabilities object itself: the switchboard that selects every other test. */
import { expect, it } from 'vitest';
import { CAPABILITY_NAMES, type ConformanceHarness } from '../harness.js';

/** Registers the capability declaration test. */
export function capabilityTests(h: ConformanceHarness): void {
  it('claims each of the seven capabilities as a boolean, as the tests were selected by', async () => {
    const transport = await h.settings.createTransport();
    const claimed = transport.capabilities;
    for (const name of CAPABILITY_NAMES) {
      expect(typeof claimed[name], `capabilities.${name}`).toBe('boolean');
    }
    const selectedBy = Object.fromEntries(CAPABILITY_NAMES.map((name) => [name, h.capabilities[name]]));
    expect(Object.fromEntries(CAPABILITY_NAMES.map((name) => [name, claimed[name]]))).toEqual(selectedBy);
    expect(typeof transport.name === 'string' && transport.name.length > 0, 'transport.name is a non-empty string').toBe(true);
  });
}
