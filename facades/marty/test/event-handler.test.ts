import type { Logger } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { BaseEvent, EventFilter, EventHandler, PluginEventHandler } from '../src/index.js';

class Recorder extends EventHandler {
  readonly handled: BaseEvent[] = [];
  constructor(
    private readonly body: (event: BaseEvent) => Promise<void>,
    options: ConstructorParameters<typeof EventHandler>[0] = {},
  ) {
    super(options);
  }
  async handle(event: BaseEvent): Promise<void> {
    await this.body(event);
    this.handled.push(event);
  }
  canHandle(): boolean {
    return true;
  }
  get eventTypes(): string[] {
    return ['*'];
  }
}

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const ignore = () => {};
  return { errors, debug: ignore, info: ignore, warn: ignore, error: (_fields, message) => errors.push(message) };
}

const event = new BaseEvent({ eventType: 'job.run' });

describe('EventHandler', () => {
  it('has the Python defaults', () => {
    const handler = new Recorder(async () => {});
    expect(handler.handlerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(handler.priority).toBe(0);
    expect(handler.maxConcurrent).toBe(1);
    expect(handler.timeout).toBe(30_000);
    expect(new Recorder(async () => {}, { handlerId: 'h', priority: 5, timeout: 100 })).toMatchObject({
      handlerId: 'h',
      priority: 5,
      timeout: 100,
    });
  });

  it('safeHandle resolves true when handle finished', async () => {
    const handler = new Recorder(async () => {});
    await expect(handler.safeHandle(event)).resolves.toBe(true);
    expect(handler.handled).toEqual([event]);
    expect(handler.activeTasks).toBe(0);
  });

  it('safeHandle resolves false, without calling handle, when the concurrency limit is reached', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const handler = new Recorder(
      async () => {
        calls++;
        await gate;
      },
      { maxConcurrent: 1 },
    );
    const first = handler.safeHandle(event);
    expect(handler.activeTasks).toBe(1);
    await expect(handler.safeHandle(event)).resolves.toBe(false);
    expect(calls).toBe(1);
    release();
    await expect(first).resolves.toBe(true);
    await expect(handler.safeHandle(event)).resolves.toBe(true);
    expect(calls).toBe(2);
  });

  it('safeHandle resolves false and logs on timeout, and frees its slot', async () => {
    const logger = recordingLogger();
    const handler = new Recorder(() => new Promise<void>(() => {}), { timeout: 5, logger });
    await expect(handler.safeHandle(event)).resolves.toBe(false);
    expect(handler.activeTasks).toBe(0);
    expect(logger.errors).toEqual([`Handler ${handler.handlerId} timed out processing event ${event.eventId}`]);
  });

  it('safeHandle resolves false and logs when handle throws', async () => {
    const logger = recordingLogger();
    const handler = new Recorder(
      async () => {
        throw new Error('broken');
      },
      { logger },
    );
    await expect(handler.safeHandle(event)).resolves.toBe(false);
    expect(handler.activeTasks).toBe(0);
    expect(logger.errors[0]).toMatch(/failed processing event .*: broken$/);
  });
});

describe('PluginEventHandler', () => {
  it('is id plugin-<id>, handles what its filter matches, and awaits async functions', async () => {
    const seen: string[] = [];
    const handler = new PluginEventHandler('search', 'Search', new EventFilter({ eventTypes: ['doc.saved'] }), async (e) => {
      await Promise.resolve();
      seen.push(e.eventType);
    });
    expect(handler.handlerId).toBe('plugin-search');
    expect(handler.pluginName).toBe('Search');
    expect(handler.eventTypes).toEqual(['doc.saved']);
    expect(handler.canHandle(new BaseEvent({ eventType: 'doc.saved' }))).toBe(true);
    expect(handler.canHandle(new BaseEvent({ eventType: 'doc.deleted' }))).toBe(false);
    await handler.handle(new BaseEvent({ eventType: 'doc.saved' }));
    expect(seen).toEqual(['doc.saved']);
  });

  it('calls sync functions, and lists ["*"] when the filter has no types', async () => {
    const seen: string[] = [];
    const handler = new PluginEventHandler('p', 'P', new EventFilter({ eventTypes: [] }), (e) => seen.push(e.eventId), { priority: 3 });
    expect(handler.eventTypes).toEqual(['*']);
    expect(handler.priority).toBe(3);
    await expect(handler.safeHandle(event)).resolves.toBe(true);
    expect(seen).toEqual([event.eventId]);
  });
});
