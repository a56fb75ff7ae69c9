/**
 * The outbox store contract: what the plugin, the relay and the inbox need of
 * a database. Two stores ship — {@link postgresOutbox} and {@link sqliteOutbox} —
 * and one conformance suite runs against both. A store owns its tables; the
 * caller owns the transactions that rows are written in.
 */
import type { EventEnvelope } from '@bus/core';
import type { OutboxTransaction } from './transaction.js';

/** An event to write: the envelope as the publish pipeline left it (encoded), and when it may be sent. */
export interface OutboxWrite {
  /** The encoded envelope. */
  readonly envelope: EventEnvelope;
  /** Epoch ms before which it is not sent; `undefined` is now. */
  readonly availableAt: number | undefined;
}

/** A row the relay claimed: it holds the row's lease until it completes, retries or buries it. */
export interface OutboxRecord {
  /** The row's position in the table (insert order; not commit order). */
  readonly seq: number;
  /** The envelope as written. */
  readonly envelope: EventEnvelope;
  /** Failed sends so far. */
  readonly attempts: number;
  /** When it was written, epoch ms. */
  readonly createdAt: number;
}

/** A row that exhausted its attempts. */
export interface OutboxDeadLetter {
  /** Its position in the outbox when it died; `show`, `redrive` and `purge` take it or the event id. */
  readonly seq: number;
  /** The envelope as written. */
  readonly envelope: EventEnvelope;
  /** Failed sends. */
  readonly attempts: number;
  /** The last send error's message. */
  readonly lastError: string;
  /** When it was written, epoch ms. */
  readonly createdAt: number;
  /** When it was dead-lettered, epoch ms. */
  readonly failedAt: number;
  /**
   * The dead-letter row's own id, in a layout that gives it one (`'marty'`: `event_dead_letter.id`, a UUID). An
   * event that dies again after a redrive is a new dead letter with a new id, where its `seq` stays the same.
   */
  readonly letterId?: string;
}

/**
 * Which dead letters a call concerns. Every given field must match; an empty
 * filter matches all.
 *
 * @example
 * ```ts
 * await bus.outbox.deadLetters.list({ type: 'orders.created', since: Date.now() - 3_600_000 });
 * ```
 */
export interface OutboxDeadLetterFilter {
  /** Only these event ids. */
  readonly ids?: readonly string[];
  /** Only these rows, by {@link OutboxDeadLetter.seq}. */
  readonly seqs?: readonly number[];
  /** Only these dead letters, by {@link OutboxDeadLetter.letterId} (none match in a layout without them). */
  readonly letterIds?: readonly string[];
  /** Only this event type. */
  readonly type?: string;
  /** Only rows dead-lettered at or after this time (epoch ms or Date). */
  readonly since?: number | Date;
  /** Only rows dead-lettered before this time (epoch ms or Date). */
  readonly until?: number | Date;
  /** At most this many (oldest first). Default: all for redrive and purge, 100 for list. */
  readonly limit?: number;
  /** Newest dead letters first (by the time they died), for `limit` and for the order `list` returns. Default `false`. */
  readonly newestFirst?: boolean;
}

/** The outbox's figures at one instant. */
export interface OutboxStats {
  /** Rows waiting to be sent, scheduled ones included. */
  readonly pending: number;
  /** Of those, rows whose time has not come (`deliverAt` in the future or backing off after a failure). */
  readonly scheduled: number;
  /** Age of the oldest row that is due and not sent, in ms; 0 when none. */
  readonly oldestPendingAgeMs: number;
  /** Dead-lettered rows. */
  readonly dead: number;
}

/**
 * The key shards a claim takes rows from: a row's shard is a hash of its
 * partition key modulo `count` (a row without a key is in shard 0), and only
 * rows of the `owned` shards are claimed. Per-key order holds across shards
 * and across relays that disagree on `count`.
 */
export interface OutboxShards {
  /** How many shards the keys are spread over (≥ 1). */
  readonly count: number;
  /** The shards to claim from, each in `[0, count)`. */
  readonly owned: readonly number[];
}

/** The figures of one key shard (see {@link OutboxStore.statsByShard}). */
export interface OutboxShardStats extends Omit<OutboxStats, 'dead'> {
  /** The shard, in `[0, count)`. */
  readonly shard: number;
}

/** The transaction the inbox opens around one delivery. */
export interface InboxTransaction {
  /** The store's statement runner, for the inbox row. */
  readonly tx: OutboxTransaction;
  /** The database's own handle, given to the handler as `ctx.tx` (a `pg` client, a `DatabaseSync`). */
  readonly handle: unknown;
  /** Commits and gives the connection back. */
  commit(): Promise<void>;
  /** Rolls back and gives the connection back. */
  rollback(): Promise<void>;
}

/**
 * A database the outbox keeps its rows in. Every method but `adapt` and
 * `write` runs on the store's own connections.
 */
export interface OutboxStore {
  /** `postgres` or `sqlite`, for messages and metrics. */
  readonly name: string;
  /** Connects and creates or migrates the tables. Idempotent. */
  open(): Promise<void>;
  /** Closes what `open` opened (never a pool or database the caller gave). */
  close(): Promise<void>;
  /**
   * Turns the `tx` a caller gave `publish` into a statement runner, checking
   * that it is in a transaction and belongs to this store's database: a
   * `TX_INVALID` `BusError` otherwise.
   */
  adapt(tx: unknown): OutboxTransaction;
  /** Inserts the rows in one statement in `tx` (the caller commits). */
  write(tx: OutboxTransaction, rows: readonly OutboxWrite[]): Promise<void>;
  /** Inserts the rows in a transaction of the store's own (publishes without `tx` when every publish goes through the table). */
  writeNow(rows: readonly OutboxWrite[]): Promise<void>;
  /**
   * Claims up to `limit` due rows for `leaseMs`: rows whose time has come, that
   * no live lease holds, and that no earlier unsent row of the same partition
   * key holds back (one in flight elsewhere, or backing off). Oldest first.
   * With `shards`, only rows of the owned shards.
   */
  claim(relayId: string, limit: number, leaseMs: number, shards?: OutboxShards): Promise<OutboxRecord[]>;
  /** The rows were sent: deletes them, or with `keepSent` marks them sent (for retention). */
  complete(relayId: string, seqs: readonly number[], keepSent: boolean): Promise<void>;
  /** Gives the rows' leases back untouched (they were not tried). */
  release(relayId: string, seqs: readonly number[]): Promise<void>;
  /** A send failed: stores the attempt count, the error and the next attempt's time, and gives the lease back. */
  retry(relayId: string, seq: number, attempts: number, nextAttemptAt: number, error: string): Promise<void>;
  /** Moves the row to the dead letters. */
  bury(relayId: string, seq: number, attempts: number, error: string): Promise<void>;
  /** Dead letters, oldest first. */
  listDeadLetters(filter: OutboxDeadLetterFilter): Promise<OutboxDeadLetter[]>;
  /** Puts matching dead letters back in the outbox with their attempts reset; resolves to how many. */
  redrive(filter: OutboxDeadLetterFilter): Promise<number>;
  /** Deletes matching dead letters; resolves to how many. */
  purge(filter: OutboxDeadLetterFilter): Promise<number>;
  /** The outbox's figures now. */
  stats(): Promise<OutboxStats>;
  /** The figures of each of `count` key shards now (every shard listed, empty ones too). */
  statsByShard(count: number): Promise<OutboxShardStats[]>;
  /** When the next unsent row becomes due (epoch ms), if any row waits. */
  nextDueAt(): Promise<number | undefined>;
  /** Deletes sent rows older than `olderThan` (epoch ms); resolves to how many. */
  cleanup(olderThan: number): Promise<number>;
  /**
   * Calls `wake` when rows may have been committed (Postgres LISTEN/NOTIFY,
   * the SQLite store's commit watch); returns the function that stops it.
   */
  watch(wake: () => void): Promise<() => Promise<void>>;
  /** Told after `write` in `tx`: a store that watches commits locally (SQLite) starts watching this one. */
  written(tx: OutboxTransaction): void;
  /** Opens a transaction of the store's own for one inbox delivery. */
  beginInbox(): Promise<InboxTransaction>;
  /** Records that `consumer` handled `eventId`, in `tx`; resolves to false when it was recorded before. */
  recordInbox(tx: OutboxTransaction, consumer: string, eventId: string): Promise<boolean>;
  /** Deletes inbox records older than `olderThan` (epoch ms); resolves to how many. */
  cleanupInbox(olderThan: number): Promise<number>;
}
