import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/architect.ts', 'src/engineer.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
});
