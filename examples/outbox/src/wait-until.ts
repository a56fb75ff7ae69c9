// The demo's one way to wait for the other service: check, and check again
// until a deadline, since events cross a broker.
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once `condition` holds; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(20);
  }
}
