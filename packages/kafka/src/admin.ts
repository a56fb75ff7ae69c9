/**
 * Topic administration for the transport: create the topics events go to (and
 * dead letters go to) on first use, once per topic per transport, and wait
 * until the broker serves them, so a consumer never joins a group for a topic
 * that does not exist yet.
 */
import type { Admin } from '@platformatic/kafka';
import { hasApiError, kafkaError } from './errors.js';

/**
 * How the transport creates missing topics.
 *
 * @example
 * ```ts
 * kafka({ brokers, groupId: 'billing', ensureTopics: { partitions: 6, replicationFactor: 3, types: ['orders.created'] } });
 * ```
 */
export interface EnsureTopicsOptions {
  /** Partitions of a created topic. Default: the broker's `num.partitions`. */
  readonly partitions?: number;
  /** Replicas of a created topic. Default: the broker's `default.replication.factor`. */
  readonly replicationFactor?: number;
  /** Topic configs of a created topic (`retention.ms`, `min.insync.replicas`, ...). */
  readonly configs?: Readonly<Record<string, string>>;
  /** Event types whose topics are created at `start()` rather than on first use. */
  readonly types?: readonly string[];
}

/** How long to wait for a created topic's partitions to have leaders. */
const LEADER_WAIT_MS = 10_000;

/** Creates topics on first use; remembers which exist. */
export class TopicAdmin {
  readonly #admin: Admin;
  readonly #settings: EnsureTopicsOptions | false;
  readonly #known = new Set<string>();
  readonly #pending = new Map<string, Promise<void>>();

  constructor(admin: Admin, settings: EnsureTopicsOptions | false) {
    this.#admin = admin;
    this.#settings = settings;
  }

  get client(): Admin {
    return this.#admin;
  }

  /**
   * Makes sure each topic exists (creating it when allowed). Returns
   * `undefined` when all are already known to exist, so the hot path awaits nothing.
   */
  ensure(topics: Iterable<string>): Promise<void> | undefined {
    const waits: Promise<void>[] = [];
    for (const topic of topics) {
      if (this.#known.has(topic)) continue;
      let pending = this.#pending.get(topic);
      if (pending === undefined) {
        pending = this.#ensureOne(topic).finally(() => this.#pending.delete(topic));
        this.#pending.set(topic, pending);
      }
      waits.push(pending);
    }
    if (waits.length === 0) return undefined;
    return waits.length === 1 ? (waits[0] as Promise<void>) : Promise.all(waits).then(noop);
  }

  /** Deletes the topics that exist among `topics`, and forgets them. */
  async delete(topics: readonly string[]): Promise<void> {
    for (const topic of topics) this.#known.delete(topic);
    const existing = new Set(await this.#admin.listTopics());
    const doomed = topics.filter((topic) => existing.has(topic));
    if (doomed.length === 0) return;
    try {
      await this.#admin.deleteTopics({ topics: doomed });
    } catch (error) {
      if (!hasApiError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) throw kafkaError(error, `delete topics ${doomed.join(', ')}`);
    }
  }

  /** Forgets that `topic` exists (after deleting it, or when the broker says it is unknown). */
  forget(topic: string): void {
    this.#known.delete(topic);
  }

  async #ensureOne(topic: string): Promise<void> {
    const settings = this.#settings;
    if (settings === false) {
      if (!(await this.#exists(topic))) {
        throw kafkaError(
          new Error(`topic '${topic}' does not exist`),
          `use topic '${topic}'. Create it, or let the transport create topics (ensureTopics)`,
          { code: 'TRANSPORT_FAILED' },
        );
      }
    } else {
      try {
        await this.#admin.createTopics({
          topics: [topic],
          partitions: settings.partitions ?? -1,
          replicas: settings.replicationFactor ?? -1,
          configs: Object.entries(settings.configs ?? {}).map(([name, value]) => ({ name, value })),
        });
      } catch (error) {
        if (!hasApiError(error, 'TOPIC_ALREADY_EXISTS')) throw kafkaError(error, `create topic '${topic}'`);
      }
      await this.#leadersElected(topic);
    }
    this.#known.add(topic);
  }

  async #exists(topic: string): Promise<boolean> {
    try {
      const metadata = await this.#admin.metadata({ topics: [topic], forceUpdate: true });
      return metadata.topics.has(topic);
    } catch (error) {
      if (hasApiError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) return false;
      throw kafkaError(error, `read the metadata of topic '${topic}'`);
    }
  }

  /** A new topic's partitions get leaders a moment after CreateTopics answers; producers and group leaders need them. */
  async #leadersElected(topic: string): Promise<void> {
    const deadline = Date.now() + LEADER_WAIT_MS;
    for (;;) {
      try {
        const metadata = await this.#admin.metadata({ topics: [topic], forceUpdate: true });
        const partitions = metadata.topics.get(topic)?.partitions ?? [];
        if (partitions.length > 0 && partitions.every((partition) => partition !== undefined && partition.leader >= 0)) return;
      } catch (error) {
        if (Date.now() > deadline) throw kafkaError(error, `read the metadata of new topic '${topic}'`);
      }
      if (Date.now() > deadline) return; // let the clients' own stale-metadata retries take it from here
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function noop(): void {}
