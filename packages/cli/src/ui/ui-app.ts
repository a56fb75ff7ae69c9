/**
 * The web view of `bus ui`: flow, dead letters (list, filter, inspect,
 * redrive, purge), outbox and event store, as a Hono app over what it is
 * given. Read-only unless `allowWrites`: a change is a POST that the page
 * confirms first and that must carry `confirmed=yes`.
 */
import type { OutboxStore } from '@bus/outbox';
import type { EventStore } from '@bus/persistence';
import { Hono } from 'hono';
import type { DeadLetterSource, UiDeadLetterFilter } from './dead-letter-source.js';
import type { FlowMonitor } from './flow-monitor.js';
import { deadLetterPage, deadLettersPage, flowPage, layout, outboxPage, streamPage, streamsPage } from './pages.js';

/**
 * What the web view shows. Each part is optional; its page says how to give it.
 *
 * @example
 * ```ts
 * const app = createUiApp({ deadLetters: [resilienceDeadLetterSource(bus)], flow: new FlowMonitor(bus) });
 * ```
 */
export interface UiSources {
  /** Live flow, from a bus. */
  readonly flow?: FlowMonitor;
  /** Where dead letters are kept. */
  readonly deadLetters?: readonly DeadLetterSource[];
  /** The outbox, for its status and per-shard figures. */
  readonly outbox?: OutboxStore;
  /** Key shards to show the outbox's pending rows by. Default 8. */
  readonly outboxShards?: number;
  /** The event store, for its streams. */
  readonly eventStore?: EventStore;
}

/** Options of {@link createUiApp}. */
export interface UiAppOptions {
  /** Allow redrive and purge. Default false (read-only). */
  readonly allowWrites?: boolean;
}

const STREAMS_PAGE = 500;

/** Builds the web view's app: hand it to {@link serveUi}, or to any server that runs Hono. */
export function createUiApp(sources: UiSources, options: UiAppOptions = {}): Hono {
  const allowWrites = options.allowWrites === true;
  const app = new Hono();
  const page = (title: string, active: string, body: Parameters<typeof layout>[3]) => layout(title, active, allowWrites, body);
  const sourceNamed = (name: string) => sources.deadLetters?.find((source) => source.name === name);

  app.get('/', (c) => c.html(page('Flow', 'flow', flowPage(sources.flow?.rows(), sources.flow?.failures() ?? []))));

  app.get('/dead-letters', async (c) => {
    const filter: UiDeadLetterFilter = {
      type: c.req.query('type') || undefined,
      code: c.req.query('code') || undefined,
    } as UiDeadLetterFilter;
    const listed = await Promise.all(
      (sources.deadLetters ?? []).map(async (source) => ({
        name: source.name,
        letters: await source.list(filter),
        canPurge: source.purge !== undefined,
      })),
    );
    return c.html(page('Dead letters', 'dead letters', deadLettersPage(listed, filter, allowWrites, c.req.query('done'))));
  });

  app.get('/dead-letters/:source/:id', async (c) => {
    const source = sourceNamed(c.req.param('source'));
    const letter = (await source?.list({}))?.find((each) => each.id === c.req.param('id'));
    if (source === undefined || letter === undefined) return c.html(page('Not found', 'dead letters', 'No such dead letter.'), 404);
    return c.html(
      page(`Dead letter ${letter.eventId}`, 'dead letters', deadLetterPage(source.name, letter, source.purge !== undefined, allowWrites)),
    );
  });

  for (const action of ['redrive', 'purge'] as const) {
    app.post(`/dead-letters/:source/${action}`, async (c) => {
      if (!allowWrites) return c.text(`Read-only: start bus ui with --allow-writes to ${action}.`, 403);
      const form = await c.req.formData();
      if (form.get('confirmed') !== 'yes') return c.text(`Not confirmed: ${action} needs confirmed=yes.`, 400);
      const source = sourceNamed(c.req.param('source'));
      const change = action === 'redrive' ? source?.redrive.bind(source) : source?.purge?.bind(source);
      if (source === undefined || change === undefined)
        return c.text(`No dead-letter source ${c.req.param('source')} that can ${action}.`, 404);
      const ids = form.getAll('id').map(String);
      const done = await change(ids);
      const verb = action === 'redrive' ? 'redriven' : 'purged';
      return c.redirect(`/dead-letters?done=${encodeURIComponent(`${source.name}: ${done} of ${ids.length} ${verb}`)}`, 303);
    });
  }

  app.get('/outbox', async (c) => {
    const store = sources.outbox;
    const stats = await store?.stats();
    const shards = await store?.statsByShard(sources.outboxShards ?? 8);
    return c.html(page('Outbox', 'outbox', outboxPage(stats, shards)));
  });

  app.get('/events', async (c) => {
    const from = Math.max(1, Number.parseInt(c.req.query('from') ?? '1', 10) || 1);
    const events = await sources.eventStore?.readAll({ fromPosition: from, limit: STREAMS_PAGE });
    return c.html(page('Event store', 'event store', streamsPage(events, from, STREAMS_PAGE)));
  });

  app.get('/events/streams/:stream', async (c) => {
    const stream = c.req.param('stream');
    const events = (await sources.eventStore?.readStream(stream, { limit: STREAMS_PAGE })) ?? [];
    return c.html(page(`Stream ${stream}`, 'event store', streamPage(stream, events)));
  });

  app.onError((error, c) => c.text(`bus ui: ${error instanceof Error ? error.message : String(error)}`, 500));
  return app;
}
