import { describe, expect, it } from 'vitest';
import { waitFor } from '../src/index.js';

describe('waitFor', () => {
  it('resolves at once when the condition already holds', async () => {
    let checks = 0;
    await waitFor(() => ++checks > 0, 1_000);
    expect(checks).toBe(1);
  });

  it('polls until the condition holds, sync or async', async () => {
    let ready = false;
    setTimeout(() => (ready = true), 30);
    await waitFor(() => ready, 1_000, { intervalMs: 5 });
    let later = false;
    setTimeout(() => (later = true), 30);
    await waitFor(async () => later, 1_000);
    expect(ready && later).toBe(true);
  });

  it('rejects after the timeout with an error that says what it waited for', async () => {
    const started = Date.now();
    await expect(waitFor(() => false, 50, { message: () => '3 deliveries; got 1' })).rejects.toThrowError(
      'waitFor: timed out after 50 ms waiting for 3 deliveries; got 1',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("rejects with the predicate's own error", async () => {
    await expect(
      waitFor(() => {
        throw new Error('broken predicate');
      }, 1_000),
    ).rejects.toThrowError('broken predicate');
  });
});
