import { defineConfig } from 'vitest/config';

// The demo runs two processes; on a loaded machine they take a while to start. Everything in it waits for
// events (a leader, its writes, the failover), never for a fixed time, so a generous timeout costs nothing.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 240_000, hookTimeout: 60_000 },
});
