/**
 * What is flowing: per event type, how many were published, delivered,
 * failed and dead-lettered, the delivery rate over the last minute, and the
 * latest failures — read from a bus's signals as an observer, so it costs
 * nothing where nobody looks and never silences the kernel's own reports.
 */
import type { Bus, BusError, DeadLetteredEvent, EventEnvelope } from '@bus/core';
import { kernelOf } from '@bus/core/plugin-kit';

/** One type's figures. */
export interface FlowRow {
  readonly type: string;
  readonly published: number;
  readonly delivered: number;
  readonly failed: number;
  /** Given up on: kept as dead letters (`@bus/resilience`). */
  readonly deadLettered: number;
  /** Deliveries per second over the last minute. */
  readonly deliveredPerSecond: number;
}

/** A recent failure. */
export interface FlowFailure {
  readonly at: string;
  readonly type: string;
  readonly eventId: string;
  readonly code: string;
  readonly message: string;
  /** Whether it was dead-lettered (after its attempts), rather than a failed delivery. */
  readonly deadLettered: boolean;
}

const WINDOW_MS = 60_000;
const RECENT_FAILURES = 50;

interface Counts {
  published: number;
  delivered: number;
  failed: number;
  deadLettered: number;
  /** Delivery times within the window, oldest first. */
  readonly recent: number[];
}

/**
 * Watches a bus: make it before `start()` (it adds an observing plugin, `flow-monitor`); `stop()` detaches it.
 *
 * @example
 * ```ts
 * const flow = new FlowMonitor(bus);
 * await bus.start();
 * flow.rows(); // [{ type: 'orders.created', published: 12, delivered: 12, failed: 0, deadLettered: 0, deliveredPerSecond: 0.2 }]
 * ```
 */
export class FlowMonitor {
  readonly #counts = new Map<string, Counts>();
  readonly #failures: FlowFailure[] = [];
  readonly #detach: () => void;
  readonly #now: () => number;

  /**
   * @param bus - the bus to watch, not started yet.
   * @param now - the clock, for tests.
   */
  constructor(bus: Bus, now: () => number = Date.now) {
    this.#now = now;
    const onPublished = (event: EventEnvelope) => void this.#of(event.type).published++;
    const onDelivered = (event: EventEnvelope) => {
      const counts = this.#of(event.type);
      counts.delivered++;
      counts.recent.push(this.#now());
    };
    const onFailed = (error: BusError, event: EventEnvelope) => {
      this.#of(event.type).failed++;
      this.#record(error, event, false);
    };
    const onDeadLettered = ({ event, error }: DeadLetteredEvent) => {
      this.#of(event.type).deadLettered++;
      this.#record(error, event, true);
    };
    const kernel = kernelOf(bus, 'flow-monitor');
    kernel.observe('published', onPublished);
    kernel.observe('delivered', onDelivered);
    kernel.observe('failed', onFailed);
    kernel.observe('deadLettered', onDeadLettered);
    this.#detach = () => {
      bus.events.off('published', onPublished);
      bus.events.off('delivered', onDelivered);
      bus.events.off('failed', onFailed);
      bus.events.off('deadLettered', onDeadLettered);
    };
  }

  /** Every type seen, busiest first. */
  rows(): FlowRow[] {
    const since = this.#now() - WINDOW_MS;
    return [...this.#counts.entries()]
      .map(([type, counts]) => {
        while (counts.recent.length > 0 && (counts.recent[0] as number) < since) counts.recent.shift();
        const { published, delivered, failed, deadLettered } = counts;
        return { type, published, delivered, failed, deadLettered, deliveredPerSecond: counts.recent.length / (WINDOW_MS / 1000) };
      })
      .sort((a, b) => b.delivered - a.delivered || a.type.localeCompare(b.type));
  }

  /** The latest failures, newest first. */
  failures(): readonly FlowFailure[] {
    return this.#failures;
  }

  /** Stops watching. */
  stop(): void {
    this.#detach();
  }

  #record(error: BusError, event: EventEnvelope, deadLettered: boolean): void {
    const at = new Date(this.#now()).toISOString();
    this.#failures.unshift({ at, type: event.type, eventId: event.id, code: error.code, message: error.message, deadLettered });
    this.#failures.length = Math.min(this.#failures.length, RECENT_FAILURES);
  }

  #of(type: string): Counts {
    let counts = this.#counts.get(type);
    if (counts === undefined) {
      counts = { published: 0, delivered: 0, failed: 0, deadLettered: 0, recent: [] };
      this.#counts.set(type, counts);
    }
    return counts;
  }
}
