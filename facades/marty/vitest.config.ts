import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Kafka and database tests join consumer groups and wait for relays: generous, never a timing assertion.
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
