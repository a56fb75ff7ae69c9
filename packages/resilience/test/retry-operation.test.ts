import { BusError } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { retryOperation } from '../src/index.js';

describe('retryOperation', () => {
  it('retries until the operation resolves, waiting initialDelayMs × 2^(n-1) without jitter', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retryOperation(
      async (attempt) => {
        calls++;
        expect(attempt).toBe(calls);
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return 'sent';
      },
      { maxAttempts: 5, initialDelayMs: 4, jitter: false, onRetry: (_error, _attempt, delay) => waits.push(delay) },
    );
    expect(result).toBe('sent');
    expect(calls).toBe(3);
    expect(waits).toEqual([4, 8]);
  });

  it('rejects with the last failure as thrown after maxAttempts', async () => {
    let calls = 0;
    const failures: string[] = [];
    const outcome = retryOperation(
      async (attempt) => {
        calls++;
        throw new Error(`fail ${attempt}`);
      },
      { maxAttempts: 3, initialDelayMs: 1, onRetry: (error) => failures.push((error as Error).message) },
    );
    await expect(outcome).rejects.toThrow('fail 3');
    expect(calls).toBe(3);
    expect(failures).toEqual(['fail 1', 'fail 2']);
  });

  it('keeps full-jitter waits within their ceiling, and stops at once on a failure that is not retryable', async () => {
    const waits: number[] = [];
    await expect(
      retryOperation(
        async (attempt) => {
          throw attempt < 3 ? new Error('transient') : new BusError('SCHEMA_INVALID', 'bad event');
        },
        { maxAttempts: 10, initialDelayMs: 10, onRetry: (_e, _a, delay) => waits.push(delay) },
      ),
    ).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeLessThan(10);
    expect(waits[1]).toBeLessThan(20);
  });

  it('refuses bad options with CONFIG_INVALID', async () => {
    await expect(retryOperation(async () => 1, { maxAttempts: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(retryOperation(async () => 1, { initialDelayMs: -1 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
