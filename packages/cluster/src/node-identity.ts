/**
 * Who this node is: the identity and metadata it shows the other nodes in
 * its heartbeats, and the holder name of its leases.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** A node of the cluster, as the others see it. */
export interface ClusterNode {
  /** Unique per process start (a restarted process is a new node). */
  readonly id: string;
  /** The host it runs on. */
  readonly host: string;
  /** When it started, in epoch ms. */
  readonly startedAt: number;
  /** The version of the service it runs (your package's version, a git sha). */
  readonly version: string;
  /** Anything else the others should know (a region, a role). */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * What may be given of a node's identity; the rest is filled in.
 *
 * @example
 * ```ts
 * cluster({ elector, node: { version: '1.4.2', metadata: { region: 'eu-west-1' } } });
 * ```
 */
export interface ClusterNodeOptions {
  /** Default: the host name, the pid and a random suffix. */
  readonly id?: string;
  /** Default: `os.hostname()`. */
  readonly host?: string;
  /** Default `'0.0.0'`. */
  readonly version?: string;
  /** Default `{}`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Fills in a node's identity. */
export function clusterNode(options: ClusterNodeOptions = {}): ClusterNode {
  const host = options.host ?? hostname();
  return Object.freeze({
    id: options.id ?? `${host}-${process.pid}-${randomUUID().slice(0, 8)}`,
    host,
    startedAt: Date.now(),
    version: options.version ?? '0.0.0',
    metadata: Object.freeze({ ...(options.metadata ?? {}) }),
  });
}
