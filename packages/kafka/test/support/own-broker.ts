// A broker of the test file's own (@bus/scripts/test-broker), for fault tests that stop, restart or kill it:
// made and started before the file's tests, destroyed after them. The shared broker is never stopped.
import { TestBroker } from '@bus/scripts/test-broker';
import { afterAll, beforeAll } from 'vitest';

/** Registers the broker's setup and teardown; the returned function gives the running broker inside a test. */
export function ownBroker(): () => TestBroker {
  let broker: TestBroker | undefined;
  beforeAll(async () => {
    broker = await TestBroker.create();
    await broker.start();
  }, 120_000);
  afterAll(() => broker?.destroy(), 60_000);
  return () => {
    if (broker === undefined) throw new Error('the test broker is not started (ownBroker() must be called at the top of the file)');
    return broker;
  };
}
