/**
 * The replicated state: a small key-value view every node keeps in memory.
 * Reads are local; writes go through the engine (the state table), and
 * every node applies the engine's log of changes in version order, so all
 * of them converge on the same values.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BusError } from '@bus/core';
import type { StateChange, StateStore } from './state-store.js';

/** One change seen by a node. */
export interface StateChangeEvent<T> {
  /** The key. */
  readonly key: string;
  /** The new value; `undefined` when deleted. */
  readonly value: T | undefined;
  /** The value before. */
  readonly previous: T | undefined;
  /** The change's version in the engine. */
  readonly version: number;
}

/**
 * A replicated key-value view (`bus.cluster.state(name)`). Values are JSON.
 *
 * @example
 * ```ts
 * const config = bus.cluster.state<number>('config');
 * await config.set('rate', 5);           // through the database; resolves once this node sees it
 * config.get('rate');                     // 5, read locally
 * config.onChange(({ key, value }) => logger.info({ key, value }, 'config changed'));
 * ```
 */
export interface ReplicatedState<T = unknown> {
  /** The state's name. */
  readonly name: string;
  /** The value of `key` in this node's view. */
  get(key: string): T | undefined;
  /** Whether `key` has a value in this node's view. */
  has(key: string): boolean;
  /** Every key and value of this node's view. */
  entries(): [string, T][];
  /** Writes `value` through the engine; resolves once this node's view holds it (others see it at their next sync). */
  set(key: string, value: T): Promise<void>;
  /** Deletes `key` through the engine. */
  delete(key: string): Promise<void>;
  /** Calls `listener` for every change this node applies (its own writes too); returns the unsubscribe function. */
  onChange(listener: (change: StateChangeEvent<T>) => void): () => void;
}

type AnyListener = (change: StateChangeEvent<unknown>) => void;

/** Every state of one cluster, synced from the engine's change log. */
export class StateReplica {
  readonly #scopes = new Map<string, Map<string, unknown>>();
  readonly #listeners = new Map<string, Set<AnyListener>>();
  #version = 0;
  #syncing: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = true;

  constructor(
    private readonly store: StateStore,
    private readonly cluster: string,
    private readonly syncIntervalMs: number,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** Loads the whole state, then follows the log. */
  async start(): Promise<void> {
    await this.store.open?.();
    this.#stopped = false;
    await this.sync();
    this.#schedule();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return; // never started, or stopped already
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#syncing;
    await this.store.close?.();
  }

  /** Applies every change after the last one applied; syncs run one at a time. */
  sync(): Promise<void> {
    const next = this.#syncing.then(async () => {
      for (const change of await this.store.changesSince(this.cluster, this.#version)) this.#apply(change);
    });
    this.#syncing = next.catch(() => undefined);
    return next;
  }

  view<T>(name: string): ReplicatedState<T> {
    const scope = () => this.#scopes.get(name);
    const write = async (key: string, value: T | undefined) => {
      if (this.#stopped) throw new BusError('BUS_NOT_STARTED', `state('${name}') is written through the engine: start the bus first.`);
      if (typeof key !== 'string' || key.length === 0) throw new BusError('CONFIG_INVALID', `state('${name}') keys are non-empty strings.`);
      let version: number;
      try {
        version = await this.store.put(this.cluster, name, key, value);
      } catch (error) {
        throw BusError.from(error, 'STORE_FAILED');
      }
      // The engine may hand the change back a moment later (a Kafka consumer reads it): sync until it is here.
      while (this.#version < version) {
        await this.sync();
        if (this.#version < version) await sleep(Math.min(this.syncIntervalMs, 10));
      }
    };
    return {
      name,
      get: (key) => scope()?.get(key) as T | undefined,
      has: (key) => scope()?.has(key) ?? false,
      entries: () => [...(scope() ?? new Map<string, unknown>())] as [string, T][],
      set: (key, value) => write(key, value),
      delete: (key) => write(key, undefined),
      onChange: (listener) => {
        const listeners = this.#listeners.get(name) ?? new Set<AnyListener>();
        this.#listeners.set(name, listeners);
        listeners.add(listener as AnyListener);
        return () => {
          listeners.delete(listener as AnyListener);
        };
      },
    };
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.sync()
        .catch((error) => this.failed(error))
        .finally(() => this.#schedule());
    }, this.syncIntervalMs);
  }

  #apply(change: StateChange): void {
    if (change.version <= this.#version) return;
    this.#version = change.version;
    let scope = this.#scopes.get(change.scope);
    if (scope === undefined) {
      scope = new Map();
      this.#scopes.set(change.scope, scope);
    }
    const previous = scope.get(change.key);
    if (change.value === undefined) scope.delete(change.key);
    else scope.set(change.key, change.value);
    const listeners = this.#listeners.get(change.scope);
    if (listeners === undefined) return;
    const event: StateChangeEvent<unknown> = { key: change.key, value: change.value, previous, version: change.version };
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        this.failed(error);
      }
    }
  }
}
