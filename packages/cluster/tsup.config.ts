import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  // Optional peer: loaded only by the Kafka elector.
  external: ['@platformatic/kafka'],
  // Keep `node:` on imports: `node:sqlite` exists only under that prefix (tsup 8 strips it by default).
  removeNodeProtocol: false,
});
