import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', kysely: 'src/kysely-transaction.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  // Optional peers: loaded only by the code that needs them.
  external: ['pg', 'kysely'],
  // Keep `node:` on imports: `node:sqlite` exists only under that prefix (tsup 8 strips it by default, leaving `sqlite`).
  removeNodeProtocol: false,
});
