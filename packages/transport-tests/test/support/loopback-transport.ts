/**
 * A stand-in for a networked broker, for testing the suite's paths that the
 * memory transport never takes: several transports on one broker, delivery
 * after `send` resolved, bytes-only data, redelivery, and group positions
 * that outlive the transports (durability). One log per type, like a
 * single-partition topic; a group resumes where it last succeeded.
 */
import type { EventEnvelope, MessageHandler, Transport, TransportCapabilities, TransportSubscription } from '@bus/core';

const CAPABILITIES: TransportCapabilities = Object.freeze({
  inProcess: false,
  durable: true,
  consumerGroups: true,
  orderedPerKey: true,
  wildcards: false,
  redelivery: true,
  requiresEncodedData: true,
});

const REDELIVERY_DELAY_MS = 5;

interface Member {
  readonly onMessage: MessageHandler;
  active: boolean;
}

/** One reader of one type's log: a group (shared position) or a lone subscription. */
class Feed {
  readonly members: Member[] = [];
  #pumping = false;
  #turn = 0;

  constructor(
    readonly log: EventEnvelope[],
    public position: number,
  ) {}

  wake(): void {
    if (!this.#pumping) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.position < this.log.length && this.members.length > 0) {
        const member = this.members[this.#turn++ % this.members.length] as Member;
        const message = structuredClone(this.log[this.position] as EventEnvelope); // over the "wire"
        await delay(0);
        if (!member.active) continue;
        try {
          await member.onMessage(message);
          this.position++; // commit after success
        } catch {
          await delay(REDELIVERY_DELAY_MS); // nacked: the same message again
        }
      }
    } finally {
      this.#pumping = false;
    }
  }
}

/** The shared "server" that loopback transports connect to. */
export class LoopbackBroker {
  readonly #logs = new Map<string, EventEnvelope[]>();
  readonly #feeds = new Map<string, Feed>();
  #lone = 0;

  append(message: EventEnvelope): void {
    const log = this.#log(message.type);
    log.push(structuredClone(message));
    for (const [key, feed] of this.#feeds) if (key.endsWith(`|${message.type}`)) feed.wake();
  }

  join(type: string, group: string | undefined, onMessage: MessageHandler): () => void {
    const key = `${group === undefined ? `lone-${++this.#lone}` : `group-${group}`}|${type}`;
    const log = this.#log(type);
    let feed = this.#feeds.get(key);
    if (feed === undefined) {
      feed = new Feed(log, log.length); // a new reader starts at the end ("latest")
      this.#feeds.set(key, feed);
    }
    const member: Member = { onMessage, active: true };
    feed.members.push(member);
    feed.wake();
    const joined = feed;
    return () => {
      if (!member.active) return;
      member.active = false;
      joined.members.splice(joined.members.indexOf(member), 1);
      if (group === undefined) this.#feeds.delete(key);
    };
  }

  #log(type: string): EventEnvelope[] {
    let log = this.#logs.get(type);
    if (log === undefined) {
      log = [];
      this.#logs.set(type, log);
    }
    return log;
  }
}

/** A transport on `broker`; every one made on the same broker reaches the others. */
export function loopbackTransport(broker: LoopbackBroker): Transport {
  let started = false;
  const leaves = new Set<() => void>();
  return {
    name: 'loopback',
    capabilities: CAPABILITIES,
    start() {
      started = true;
    },
    stop() {
      for (const leave of leaves) leave();
      leaves.clear();
      started = false;
    },
    async send(messages) {
      if (!started) throw new Error('loopback transport: send() before start()');
      for (const message of messages) {
        if (!(message.data instanceof Uint8Array)) throw new Error(`loopback transport: data of ${message.id} is not bytes`);
      }
      await delay(0);
      for (const message of messages) broker.append(message);
    },
    subscribe(spec, onMessage): TransportSubscription {
      if (!started) throw new Error('loopback transport: subscribe() before start()');
      const leave = broker.join(spec.pattern, spec.group, onMessage);
      leaves.add(leave);
      return {
        unsubscribe() {
          if (leaves.delete(leave)) leave();
        },
      };
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
