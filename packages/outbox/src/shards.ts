/**
 * Key shards of the outbox: which shard a row's partition key falls in, and
 * the checks and shapes every store shares. A relay given shards claims only
 * their rows, so N relays can each own a part of the keys (one active relay
 * per shard, with `@bus/cluster`'s sharded leadership); the claim's per-key
 * rule still spans all shards, so order per key never depends on them.
 */
import { BusError } from '@bus/core';
import type { OutboxShardStats, OutboxShards } from './store.js';

/** Validates a shard count: an integer in [1, 65 536]. */
export function shardCount(count: number): number {
  if (!Number.isInteger(count) || count < 1 || count > 65_536)
    throw new BusError('CONFIG_INVALID', `An outbox shard count must be an integer from 1 to 65536, got ${String(count)}.`);
  return count;
}

/** Validates `shards`: a count, and owned shards that are integers below it. */
export function checkShards(shards: OutboxShards): OutboxShards {
  shardCount(shards.count);
  for (const shard of shards.owned) {
    if (!Number.isInteger(shard) || shard < 0 || shard >= shards.count)
      throw new BusError('CONFIG_INVALID', `Outbox shard ${String(shard)} is not in [0, ${shards.count}).`);
  }
  return shards;
}

/**
 * The shard of a partition key in the SQLite store: FNV-1a (32 bit) of its UTF-8 bytes, modulo `count`; no key
 * is shard 0. (The Postgres store hashes with `hashtextextended` in SQL; shards are a store's own numbering.)
 */
export function keyShard(key: string | null, count: number): number {
  if (key === null) return 0;
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}

const encoder = new TextEncoder();

/** Every shard of `count`, with the figures of the rows found (`shard`, `pending`, `scheduled`, `oldest_ms`). */
export function shardStats(count: number, rows: readonly Record<string, unknown>[]): OutboxShardStats[] {
  const found = new Map(rows.map((row) => [Number(row.shard), row]));
  return Array.from({ length: count }, (_, shard) => {
    const row = found.get(shard);
    return {
      shard,
      pending: Number(row?.pending ?? 0),
      scheduled: Number(row?.scheduled ?? 0),
      oldestPendingAgeMs: Math.max(0, Math.round(Number(row?.oldest_ms ?? 0))),
    };
  });
}
