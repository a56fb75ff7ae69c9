/**
 * `OutboxConfig` (enhanced_event_bus.py) and how it maps onto `@bus/outbox`:
 * the database URL picks the store (`postgres(ql)://…` → the Postgres store
 * with a pool of its own, `sqlite:<path>` → the SQLite store), and the
 * relay takes the batch size, poll interval and attempts.
 */
import { type OutboxOptions, type OutboxStore, outboxLocation, postgresOutbox, sqliteOutbox } from '@bus/outbox';
import { assignFields, type FieldsOf } from './fields.js';

/** The fields of {@link OutboxConfig} that have a default. */
export type OutboxConfigOptions = FieldsOf<OutboxConfig, 'databaseUrl'>;

/**
 * Where and how the transactional outbox of an {@link EnhancedEventBus} runs.
 *
 * @example
 * ```ts
 * new OutboxConfig('postgresql://postgres@127.0.0.1:5432/orders', { pollInterval: 1_000 });
 * new OutboxConfig('sqlite:./orders.db');
 * ```
 */
export class OutboxConfig {
  /** `postgres://…`, `postgresql://…`, `sqlite:<path>`, `sqlite:///relative`, `sqlite:////absolute`. */
  databaseUrl: string;
  /** Rows per relay round. */
  batchSize = 100;
  /** How often the relay looks for due rows besides commit signals, in ms. */
  pollInterval = 5_000;
  /** Send attempts before a row is dead-lettered. */
  maxRetries = 3;
  /** The wait after the first failed send, in ms (doubling, with jitter). */
  retryDelay = 30_000;
  /** Whether failed rows are offered by `getDeadLetters`/`retryDeadLetter`; `false` leaves them FAILED. */
  enableDeadLetterQueue = true;

  /** `databaseUrl` is required; the rest has the Python defaults. */
  constructor(databaseUrl: string, options: OutboxConfigOptions = {}) {
    this.databaseUrl = databaseUrl;
    assignFields(this, options);
  }
}

/**
 * The store a database URL names, on Python's tables (`event_outbox`, `event_dead_letter`: the `'marty'` layout of
 * `@bus/outbox`); a URL of another kind is an error that lists the accepted ones.
 */
export function outboxStoreOf(databaseUrl: string): OutboxStore {
  const location = outboxLocation(databaseUrl);
  const tables = { outbox: 'event_outbox', deadLetters: 'event_dead_letter' };
  if (location?.kind === 'postgres') return postgresOutbox({ connectionString: location.connectionString, tables, layout: 'marty' });
  if (location?.kind === 'sqlite') return sqliteOutbox({ path: location.path, tables, layout: 'marty' });
  throw new TypeError(`OutboxConfig: databaseUrl ${JSON.stringify(databaseUrl)} is not postgres(ql)://… or sqlite:<path>.`);
}

/** The `@bus/outbox` options of a config. */
export function outboxOptionsOf(config: OutboxConfig): OutboxOptions {
  const retry = { maxAttempts: config.maxRetries, initialDelayMs: config.retryDelay };
  return { store: outboxStoreOf(config.databaseUrl), batchSize: config.batchSize, pollIntervalMs: config.pollInterval, retry };
}
