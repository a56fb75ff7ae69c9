import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { jsonlBackend } from '../src/index.js';
import { describeEventStoreConformance } from '../src/testing/index.js';

const directory = mkdtempSync(join(tmpdir(), 'bus-persistence-jsonl-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describeEventStoreConformance('jsonl backend', {
  createBackend: (name) => jsonlBackend({ directory: join(directory, name) }),
});

describeEventStoreConformance('jsonl backend, compressed', {
  createBackend: (name) => jsonlBackend({ directory: join(directory, `gz-${name}`), compress: true }),
  concurrentWriters: 10,
});
