/**
 * `cluster()`: leader election, membership and replicated state for a bus,
 * on an elector's engine. The elector starts with the bus and stops (and
 * releases its lease) when the bus stops.
 */
import { BusError, definePlugin, type Plugin } from '@bus/core';
import './cluster-events.js';
import type { Elector, LeaderTerm } from './elector.js';
import { LeadershipRunner, type LeadershipWork } from './leadership.js';
import type { ClusterMember, MemberStore } from './member-store.js';
import { Membership } from './membership.js';
import { type ClusterNode, type ClusterNodeOptions, clusterNode } from './node-identity.js';
import { type ReplicatedState, StateReplica } from './replicated-state.js';
import type { StateStore } from './state-store.js';

/**
 * Options of {@link cluster}.
 *
 * @example
 * ```ts
 * cluster({ elector: postgresLease({ pool, name: 'billing' }), heartbeatMs: 2_000, node: { version: '1.4.2' } });
 * ```
 */
export interface ClusterOptions {
  /** The election engine: {@link postgresLease}, {@link sqliteLease} or {@link kafkaElector}. */
  readonly elector: Elector;
  /** The cluster's name (heartbeats and state are kept per name). Default: the elector's name. */
  readonly name?: string;
  /** This node's identity and metadata. */
  readonly node?: ClusterNodeOptions;
  /** Where heartbeats go. Default: the elector's engine (`elector.members`); `false`: no membership. */
  readonly members?: MemberStore | false;
  /** Where replicated state lives. Default: the elector's engine (`elector.state`). */
  readonly state?: StateStore;
  /** How often a node writes its heartbeat. Default 1 000 ms. */
  readonly heartbeatMs?: number;
  /** A node whose last heartbeat is older than this has left. Default 3 × `heartbeatMs`. */
  readonly memberTimeoutMs?: number;
  /** How often each node reads the state's new changes. Default 250 ms. */
  readonly stateSyncMs?: number;
}

/** What `cluster()` adds to the bus: `bus.cluster`. */
export interface ClusterControls {
  /** This node. */
  readonly node: ClusterNode;
  /** The election's name. */
  readonly election: string;
  /** Whether this node leads now (of shard 0; its lease was renewed less than ttl − margin ago). */
  readonly isLeader: boolean;
  /** The epoch of this node's leadership (of shard 0) while it leads, else `undefined`. */
  readonly epoch: number | undefined;
  /** The shards this node leads now, with their epochs (one shard, 0, unless the elector shards the work). */
  shards(): { readonly shard: number; readonly epoch: number }[];
  /**
   * Runs `work` each time this node becomes leader (of each shard, with a
   * sharded elector), with the epoch and a signal that aborts when the
   * leadership ends. Returns the function that unregisters it.
   */
  onLeadership(work: LeadershipWork): () => void;
  /**
   * Fences a write: in your open transaction `tx`, checks that this node
   * still leads with its epoch and keeps the lease from changing hands until
   * `tx` ends. Call it as the last statement before `COMMIT`. Rejects with
   * `LEADERSHIP_LOST` when this node does not lead.
   */
  fence(tx: unknown): Promise<void>;
  /** The live nodes (this one too), oldest first, as of the last heartbeat round. */
  members(): ClusterMember[];
  /** The replicated key-value view named `name`. */
  state<T = unknown>(name: string): ReplicatedState<T>;
}

/** What `cluster()` adds to the bus. */
export interface ClusterExtension {
  /** The cluster. */
  readonly cluster: ClusterControls;
}

/**
 * Makes the bus a node of a cluster.
 *
 * @example
 * ```ts
 * const bus = createBus({ source: 'billing' }).use(cluster({ elector: postgresLease({ pool, name: 'billing-relay' }) }));
 * bus.cluster.onLeadership(async ({ epoch, signal }) => {
 *   while (!signal.aborted) await runOneBatch(epoch);
 * });
 * await bus.start();
 * ```
 */
export function cluster(options: ClusterOptions): Plugin<ClusterExtension> {
  const elector = options?.elector;
  if (typeof elector?.start !== 'function' || typeof elector.stop !== 'function') {
    throw new BusError(
      'CONFIG_INVALID',
      'cluster() needs an `elector`: postgresLease({ pool, name }), sqliteLease({ path, name }) or kafkaElector(…).',
    );
  }
  const heartbeatMs = positive(options.heartbeatMs ?? 1_000, 'heartbeatMs');
  const memberTimeoutMs = positive(options.memberTimeoutMs ?? 3 * heartbeatMs, 'memberTimeoutMs');
  const stateSyncMs = positive(options.stateSyncMs ?? 250, 'stateSyncMs');
  const name = options.name ?? elector.name;
  const node = clusterNode(options.node);
  const memberStore = options.members === false ? undefined : (options.members ?? elector.members);
  const stateStore = options.state ?? elector.state;

  return definePlugin({
    name: 'cluster',
    setup(kernel) {
      const fence = (tx: unknown, term: LeaderTerm): Promise<void> => {
        if (elector.fence === undefined) {
          return Promise.reject(
            new BusError(
              'TRANSPORT_UNSUPPORTED',
              `the '${elector.name}' elector cannot fence a database transaction; use a lease elector.`,
            ),
          );
        }
        return elector.fence(tx, term);
      };
      const runner = new LeadershipRunner(fence, (error) => kernel.report(error, 'HANDLER_FAILED'));
      const membership =
        memberStore === undefined
          ? undefined
          : new Membership(memberStore, name, node, heartbeatMs, memberTimeoutMs, {
              joined: (member) => kernel.events.emit('memberJoined', member),
              left: (member) => kernel.events.emit('memberLeft', member),
              failed: (error) => kernel.report(error, 'STORE_FAILED'),
            });
      const replica =
        stateStore === undefined
          ? undefined
          : new StateReplica(stateStore, name, stateSyncMs, (error) => kernel.report(error, 'STORE_FAILED'));
      const views = new Map<string, ReplicatedState<unknown>>();
      let started = false;

      kernel.onStart(async () => {
        try {
          await replica?.start();
          await membership?.start();
          await elector.start(node, {
            elected: (term) => {
              kernel.logger.info(
                { election: elector.name, epoch: term.epoch, shard: term.shard, node: node.id },
                'cluster: this node leads',
              );
              kernel.events.emit('leaderElected', { election: elector.name, epoch: term.epoch, shard: term.shard });
              runner.elected(term);
            },
            lost: (term, reason) => {
              kernel.logger.warn(
                { election: elector.name, epoch: term.epoch, shard: term.shard, node: node.id },
                `cluster: ${reason.message}`,
              );
              void runner.lost(term, reason);
              kernel.events.emit('leadershipLost', { election: elector.name, epoch: term.epoch, shard: term.shard, reason });
            },
            failed: (error) => kernel.report(error, 'STORE_FAILED'),
          });
        } catch (error) {
          // A start that failed half-way leaves no loop running.
          await Promise.allSettled([elector.stop(), membership?.stop(), replica?.stop()]);
          throw error;
        }
        started = true;
      });
      // Step down while the transport still runs: the leader's work finishes what it sent.
      kernel.onStopping(async () => {
        if (!started) return;
        started = false;
        await elector.stop(); // ends every term (listener `lost`), which aborts the callbacks
        for (const term of runner.terms()) await runner.lost(term, new BusError('LEADERSHIP_LOST', 'the bus is stopping.'));
        await runner.settled();
      });
      kernel.onStop(async () => {
        await membership?.stop();
        await replica?.stop();
      });

      const controls: ClusterControls = {
        node,
        election: elector.name,
        get isLeader() {
          return runner.term() !== undefined;
        },
        get epoch() {
          return runner.term()?.epoch;
        },
        shards: () =>
          runner
            .terms()
            .map(({ shard, epoch }) => ({ shard, epoch }))
            .sort((a, b) => a.shard - b.shard),
        onLeadership: (work) => {
          if (typeof work !== 'function') throw new BusError('CONFIG_INVALID', 'onLeadership() takes a function.');
          return runner.add(work);
        },
        fence: (tx) => {
          const term = runner.term();
          if (term === undefined) {
            return Promise.reject(new BusError('LEADERSHIP_LOST', `fenced write refused: this node does not lead '${elector.name}'.`));
          }
          return fence(tx, term);
        },
        members: () => {
          if (membership === undefined) {
            throw new BusError(
              'CONFIG_INVALID',
              `cluster '${name}' has no member store: give cluster({ members }) or an elector that keeps heartbeats.`,
            );
          }
          return membership.list();
        },
        state: <T>(stateName: string) => {
          if (replica === undefined) {
            throw new BusError(
              'CONFIG_INVALID',
              `cluster '${name}' has no state store: give cluster({ state }) or an elector that keeps state.`,
            );
          }
          let view = views.get(stateName);
          if (view === undefined) {
            view = replica.view<unknown>(stateName);
            views.set(stateName, view);
          }
          return view as ReplicatedState<T>;
        },
      };
      return { cluster: controls };
    },
  });
}

function positive(value: number, option: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new BusError('CONFIG_INVALID', `${option} must be a number > 0, got ${value}.`);
  return value;
}
