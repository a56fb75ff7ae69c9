// Runs every ```ts block of every guide, so the docs cannot drift from the
// code. Each block is a self-contained module; it proves its claims with
// node:assert. Blocks fenced as ```ts no-run are shown, not run.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
