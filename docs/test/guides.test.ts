// Runs every ```ts block of every guide, so the docs cannot drift from the
// code. Each block is a self-contained module; it proves its claims with
// node:assert. After running them all, the blocks are type-checked with tsc.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const docsDir = new URL('..', import.meta.url).pathname;
const snippetsDir = join(docsDir, '.snippets');
rmSync(snippetsDir, { recursive: true, force: true });
mkdirSync(snippetsDir, { recursive: true });
afterAll(() => rmSync(snippetsDir, { recursive: true, force: true }));

const guides = readdirSync(docsDir).filter((name) => name.endsWith('.md'));

describe.each(guides)('guide %s', (guide) => {
  const text = readFileSync(join(docsDir, guide), 'utf8');
  const blocks = [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match, index) => ({ index, code: match[1] as string }));

  it('has runnable examples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks)('block $index runs', async ({ index, code }) => {
    const file = join(snippetsDir, `${guide.replace(/\.md$/, '')}-${index}.ts`);
    writeFileSync(file, code);
    await import(file);
  });
});

describe('all guide blocks together', () => {
  it('type-check under the strict project settings', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', join(docsDir, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      throw new Error(`tsc found errors in the guides' code blocks:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
    }
  });
});
