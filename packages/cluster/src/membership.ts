/**
 * Membership: each node writes a heartbeat every interval and reads who
 * else is live; a node seen for the first time is `memberJoined`, one that
 * left cleanly or stopped beating is `memberLeft`.
 */
import type { ClusterMember, MemberStore } from './member-store.js';
import type { ClusterNode } from './node-identity.js';

/** What the membership loop reports. */
export interface MembershipListener {
  joined(member: ClusterMember): void;
  left(member: ClusterMember): void;
  failed(error: unknown): void;
}

/** The heartbeat loop and the local view of the live nodes. */
export class Membership {
  #members = new Map<string, ClusterMember>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #beat: Promise<void> | undefined;
  #stopped = true;

  constructor(
    private readonly store: MemberStore,
    private readonly cluster: string,
    private readonly node: ClusterNode,
    private readonly heartbeatMs: number,
    private readonly liveWithinMs: number,
    private readonly listener: MembershipListener,
  ) {}

  /** The live nodes, oldest first, as of the last heartbeat round. */
  list(): ClusterMember[] {
    return [...this.#members.values()];
  }

  /** Writes the first heartbeat and reads the members (so `members()` is right once the bus started), then beats on. */
  async start(): Promise<void> {
    await this.store.open?.();
    this.#stopped = false;
    await this.store.heartbeat(this.cluster, this.node);
    await this.#refresh();
    this.#schedule();
  }

  /** Stops beating and removes this node's heartbeat (the others see it leave at their next round). */
  async stop(): Promise<void> {
    if (this.#stopped) return; // never started, or stopped already
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#beat;
    try {
      await this.store.leave(this.cluster, this.node.id);
    } finally {
      await this.store.close?.();
    }
    const self = this.#members.get(this.node.id);
    this.#members = new Map();
    if (self !== undefined) this.listener.left(self);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#beat = this.#round().finally(() => {
        this.#beat = undefined;
        this.#schedule();
      });
    }, this.heartbeatMs);
  }

  async #round(): Promise<void> {
    try {
      await this.store.heartbeat(this.cluster, this.node);
      await this.#refresh();
    } catch (error) {
      this.listener.failed(error);
    }
  }

  async #refresh(): Promise<void> {
    const live = await this.store.live(this.cluster, this.liveWithinMs);
    if (this.#stopped && this.#members.size === 0) return;
    const next = new Map(live.map((member) => [member.id, member]));
    const before = this.#members;
    this.#members = next;
    for (const [id, member] of next) if (!before.has(id)) this.listener.joined(member);
    for (const [id, member] of before) if (!next.has(id)) this.listener.left(member);
  }
}
