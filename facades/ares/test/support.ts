import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BusError } from '@bus/core';
import { afterEach } from 'vitest';
import { Event, EventMetadata, type EventMetadataInit, type EventType } from '../src/index.js';

const directories: string[] = [];

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const directory = mkdtempSync(join(tmpdir(), 'ares-test-'));
  directories.push(directory);
  return directory;
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** An event with the given metadata fields. */
export function eventOf<T>(type: EventType, data: T, metadata: EventMetadataInit = {}): Event<T> {
  return new Event(type, data, { metadata: new EventMetadata(metadata) });
}

/** Collects what a store or bus reports. */
export function errorSink(): { errors: BusError[]; onError: (error: BusError) => void } {
  const errors: BusError[] = [];
  return { errors, onError: (error) => void errors.push(error) };
}

/** Waits (without asserting on time) until `condition` holds; the test's own timeout bounds it. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}
