/**
 * `OutboxConfig` (enhanced_event_bus.py) and how it maps onto `@bus/outbox`:
 * the database URL picks the store (`postgres(ql)://…` → the Postgres store
 * with a pool of its own, `sqlite:<path>` → the SQLite store), and the
 * relay takes the batch size, poll interval and attempts.
 */
import { type OutboxOptions, type OutboxStore, postgresOutbox, sqliteOutbox } from '@bus/outbox';

/** The fields of {@link OutboxConfig} that have a default. */
export interface OutboxConfigOptions {
  /** Rows per relay round. Default 100. */
  batchSize?: number;
  /** How often the relay looks for due rows besides commit signals, in ms. Default 5 000. */
  pollInterval?: number;
  /** Send attempts before a row is dead-lettered. Default 3. */
  maxRetries?: number;
  /** The wait after the first failed send, in ms (doubling, with jitter). Default 30 000. */
  retryDelay?: number;
  /** Whether failed rows are offered by `getDeadLetters`/`retryDeadLetter`. Default `true`; `false` leaves them FAILED. */
  enableDeadLetterQueue?: boolean;
}

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
  batchSize: number;
  pollInterval: number;
  maxRetries: number;
  retryDelay: number;
  enableDeadLetterQueue: boolean;

  /** `databaseUrl` is required; the rest has the Python defaults. */
  constructor(databaseUrl: string, options: OutboxConfigOptions = {}) {
    this.databaseUrl = databaseUrl;
    this.batchSize = options.batchSize ?? 100;
    this.pollInterval = options.pollInterval ?? 5_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.retryDelay = options.retryDelay ?? 30_000;
    this.enableDeadLetterQueue = options.enableDeadLetterQueue ?? true;
  }
}

/** The store a database URL names; a URL of another kind is an error that lists the accepted ones. */
export function outboxStoreOf(databaseUrl: string): OutboxStore {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return postgresOutbox({ connectionString: databaseUrl });
  const sqlite = /^sqlite:(?:\/\/\/)?(.+)$/i.exec(databaseUrl);
  if (sqlite?.[1] !== undefined) return sqliteOutbox({ path: sqlite[1] });
  throw new TypeError(
    `OutboxConfig: databaseUrl ${JSON.stringify(databaseUrl)} is not postgres(ql)://… or sqlite:<path> (sqlite:///relative, sqlite:////absolute).`,
  );
}

/** The `@bus/outbox` options of a config. */
export function outboxOptionsOf(config: OutboxConfig): OutboxOptions {
  return {
    store: outboxStoreOf(config.databaseUrl),
    batchSize: config.batchSize,
    pollIntervalMs: config.pollInterval,
    retry: { maxAttempts: config.maxRetries, initialDelayMs: config.retryDelay },
  };
}
