import { transform } from 'esbuild';
import { defineConfig, type Plugin } from 'vitest/config';

/**
 * Vite 8 transforms TypeScript with oxc, which does not lower TC39 (2023) decorators yet, and Node does not run them.
 * esbuild — what tsup builds the package with — lowers them, so the tests that use the decorators as decorators run
 * the code users get.
 */
const tc39Decorators: Plugin = {
  name: 'tc39-decorators',
  enforce: 'pre',
  async transform(code, id) {
    if (!id.endsWith('.test.ts') || !/^\s*@\w+\(/m.test(code)) return null;
    const result = await transform(code, { loader: 'ts', target: 'es2022', keepNames: true, sourcemap: true, sourcefile: id });
    return { code: result.code, map: result.map };
  },
};

export default defineConfig({
  plugins: [tc39Decorators],
  test: {
    include: ['test/**/*.test.ts'],
    // The Kafka and database tests join consumer groups and wait for relays: generous, never a timing assertion.
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
