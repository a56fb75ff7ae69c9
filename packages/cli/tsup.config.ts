import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  // ESM only: commander 15 is ESM-only, and the CLI is run, not required.
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node22',
  // Loaded by @bus/outbox only for a Postgres URL.
  external: ['pg'],
  // Keep `node:` on imports: `node:sqlite` exists only under that prefix.
  removeNodeProtocol: false,
});
