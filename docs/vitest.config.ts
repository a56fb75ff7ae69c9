import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Some guides talk to the local Kafka broker: allow for topic creation and group joins.
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
