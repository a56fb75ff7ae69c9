/**
 * The default transport: in-process, zero serialization, synchronous when the
 * handlers are. Consumer groups pick one member per event, by partition key
 * when there is one, so one key stays with one member.
 */
import { isThenable } from './compose.js';
import type { EventEnvelope } from './envelope.js';
import type { Router } from './router.js';
import type {
  MessageHandler,
  Transport,
  TransportCapabilities,
  TransportContext,
  TransportSubscription,
  TransportSubscriptionSpec,
} from './transport.js';

interface Route {
  readonly spec: TransportSubscriptionSpec;
  readonly onMessage: MessageHandler;
}

const CAPABILITIES: TransportCapabilities = Object.freeze({
  inProcess: true,
  durable: false,
  consumerGroups: true,
  orderedPerKey: true,
  wildcards: true,
  redelivery: false,
  requiresEncodedData: false,
});

/**
 * Creates the in-memory transport, the default of `createBus()`.
 * `send` returns nothing when every handler it ran was synchronous, so
 * `bus.emit()` stays synchronous; otherwise it resolves when they settle.
 *
 * @example
 * ```ts
 * const bus = createBus({ transport: memoryTransport() });
 * ```
 */
export function memoryTransport(): Transport {
  const transport = new MemoryTransport();
  neverRejects.add(transport);
  return transport;
}

/** The memory transports this module made: their `send` only ever settles with the handlers, never rejects. */
const neverRejects = new WeakSet<Transport>();

/** What the kernel calls on its own memory transport, besides the `Transport` contract. */
export interface OwnMemoryTransport {
  /** `send([message])` without the array; settles with the handlers and never rejects. */
  sendOne(message: EventEnvelope): void | Promise<void>;
  /** Delivers `message` to its routes for `emit`; handlers' outcomes are the delivery path's (tracked and reported there). */
  fireOne(message: EventEnvelope): void;
}

/** `transport` when it is one of this kernel's memory transports (whose `send` never rejects); otherwise `undefined`. */
export function ownMemoryTransport(transport: Transport): OwnMemoryTransport | undefined {
  return neverRejects.has(transport) ? (transport as MemoryTransport) : undefined;
}

class MemoryTransport implements Transport {
  readonly name = 'memory';
  readonly capabilities = CAPABILITIES;
  #routes: Router<Route> | undefined;
  #grouped = 0;
  // The last type matched and its routes: a game loop emits one type many times in a row, and a
  // string identity check is cheaper than the router's lookup. Cleared whenever routes change.
  #lastType: string | undefined;
  #lastMatched: readonly Route[] = [];
  #roundRobin = new Map<string, number>();

  start(context: TransportContext): void {
    this.#routes = context.createRouter<Route>();
  }

  stop(): void {
    this.#routes = undefined;
  }

  subscribe(spec: TransportSubscriptionSpec, onMessage: MessageHandler): TransportSubscription {
    const routes = this.#router();
    const route: Route = { spec, onMessage };
    routes.add(spec.pattern, route);
    this.#lastType = undefined;
    if (spec.group !== undefined) this.#grouped++;
    let active = true;
    return {
      unsubscribe: () => {
        if (!active) return;
        active = false;
        routes.remove(spec.pattern, route);
        this.#lastType = undefined;
        if (spec.group !== undefined) this.#grouped--;
      },
    };
  }

  send(messages: readonly EventEnvelope[]): void | Promise<void> {
    let pending: Pending;
    for (let m = 0; m < messages.length; m++) pending = this.#deliverOne(messages[m] as EventEnvelope, pending);
    return settled(pending);
  }

  /** `send([message])` without the array: what the kernel's `emit` calls on its own memory transport. */
  sendOne(message: EventEnvelope): void | Promise<void> {
    return settled(this.#deliverOne(message, undefined));
  }

  fireOne(message: EventEnvelope): void {
    if (this.#grouped !== 0) {
      this.#deliverOne(message, undefined);
      return;
    }
    const matched = this.#match(message.type);
    for (let i = 0; i < matched.length; i++) {
      try {
        (matched[i] as Route).onMessage(message);
      } catch {
        // A nack: the kernel already reported the failure, and this transport has no redelivery.
      }
    }
  }

  #match(type: string): readonly Route[] {
    if (type === this.#lastType) return this.#lastMatched;
    const matched = this.#router().match(type);
    this.#lastType = type;
    this.#lastMatched = matched;
    return matched;
  }

  #deliverOne(message: EventEnvelope, pending: Pending): Pending {
    const matched = this.#match(message.type);
    if (this.#grouped === 0) {
      for (let i = 0; i < matched.length; i++) pending = deliver(matched[i] as Route, message, pending);
    } else {
      for (const route of this.#pickPerGroup(matched, message)) pending = deliver(route, message, pending);
    }
    return pending;
  }

  /** Every ungrouped route, plus one member of each group. */
  #pickPerGroup(matched: readonly Route[], message: EventEnvelope): Route[] {
    const chosen: Route[] = [];
    const groups = new Map<string, Route[]>();
    for (const route of matched) {
      const group = route.spec.group;
      if (group === undefined) chosen.push(route);
      else {
        const members = groups.get(group);
        if (members === undefined) groups.set(group, [route]);
        else members.push(route);
      }
    }
    for (const [group, members] of groups) {
      const key = message.partitionkey ?? message.subject;
      let index: number;
      if (key === undefined) {
        index = this.#roundRobin.get(group) ?? 0;
        this.#roundRobin.set(group, index + 1);
      } else {
        index = hashKey(key);
      }
      chosen.push(members[index % members.length] as Route);
    }
    return chosen;
  }

  #router(): Router<Route> {
    if (this.#routes === undefined) throw new Error('memoryTransport used before start()');
    return this.#routes;
  }
}

/** Nothing, one promise, or several: most sends have at most one async handler, and need no array. */
type Pending = Promise<void> | Promise<void>[] | undefined;

function settled(pending: Pending): void | Promise<void> {
  if (pending === undefined || !Array.isArray(pending)) return pending;
  return Promise.allSettled(pending).then(noop);
}

function deliver(route: Route, message: EventEnvelope, pending: Pending): Pending {
  let result: void | Promise<void>;
  try {
    result = route.onMessage(message);
  } catch {
    // A nack. This transport has no redelivery; the kernel already reported the failure.
    return pending;
  }
  if (!isThenable(result)) return pending;
  // The kernel never rejects for a transport without redelivery; anyone else's rejection is swallowed.
  const settled = result;
  if (pending === undefined) return settled;
  if (Array.isArray(pending)) {
    pending.push(settled);
    return pending;
  }
  return [pending, settled];
}

/** FNV-1a, 32 bit: stable across processes, so a key maps to the same member. */
function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function noop(): void {}
