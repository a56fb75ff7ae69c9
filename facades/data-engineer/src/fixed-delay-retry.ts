/**
 * The legacy `handle_errors` retry: up to `attempts` calls, the same pause
 * between any two (a fixed delay, not a backoff). `@bus/resilience` retries
 * bus handlers with exponential backoff and jitter; this wraps a plain function
 * and keeps the legacy fixed delay.
 */

/** Calls `fn` up to `attempts` times, `delayMs` apart; resolves with the first success or rejects with the last error. */
export async function retryWithFixedDelay<R>(fn: () => R | Promise<R>, attempts: number, delayMs: number): Promise<R> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await fn();
    } catch (error) {
      lastError = error;
      // The legacy slept after the last failure too; that only delayed the dead letter.
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  throw lastError;
}
