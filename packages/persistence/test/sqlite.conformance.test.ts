import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { sqliteBackend } from '../src/index.js';
import { describeEventStoreConformance } from '../src/testing/index.js';

const directory = mkdtempSync(join(tmpdir(), 'bus-persistence-sqlite-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describeEventStoreConformance('sqlite backend', {
  createBackend: (name) => sqliteBackend({ path: join(directory, `${name}.db`) }),
});
