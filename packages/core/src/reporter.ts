/**
 * The kernel's one way to report what went wrong: failures outside any
 * delivery (`error`), failed deliveries (`failed`) and deliberate drops
 * (`dropped`). Each goes to `bus.events`, and to the logger when no listener
 * handles that signal — an observer (metrics counting failures) does not
 * count, so it can never silence a failure nobody handles.
 */
import type { BusEventEmitter, DroppedEvent } from './bus-events.js';
import type { EventEnvelope } from './envelope.js';
import { BusError, type BusErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import type { Subscription } from './subscription.js';

/** Reports on `bus.events`, falling back to the logger. Plugins reach it as `kernel.report`, `failDelivery` and `drop`. */
export class Reporter {
  constructor(
    private readonly events: BusEventEmitter,
    readonly logger: Logger,
  ) {}

  /** A failure that concerns no single delivery. */
  error(error: unknown, code: BusErrorCode, eventId?: string): BusError {
    const busError = BusError.from(error, code, { eventId });
    if (this.events.heard.error) this.events.emit('error', busError);
    if (!this.events.handled.error) {
      this.logger.error(
        { err: busError, code: busError.code, eventId: busError.eventId },
        `unhandled error (listen to bus.events "error" to handle it): ${busError.message}`,
      );
    }
    return busError;
  }

  /** A delivery that failed. */
  failed(error: unknown, event: EventEnvelope, subscription: Subscription): BusError {
    const busError = BusError.from(error, 'HANDLER_FAILED', { eventId: event.id });
    if (this.events.heard.failed) this.events.emit('failed', busError, event, subscription);
    if (!this.events.handled.failed) {
      this.logger.error(
        { err: busError, code: busError.code, eventId: event.id, type: event.type, subscription: subscription.name },
        `subscription '${subscription.name}' failed event ${event.id} (${event.type}); listen to bus.events "failed" to handle it: ${busError.message}`,
      );
    }
    return busError;
  }

  /** An event dropped on purpose. */
  dropped(dropped: DroppedEvent): void {
    if (this.events.heard.dropped) this.events.emit('dropped', dropped);
    if (!this.events.handled.dropped) {
      const { event, error, subscription } = dropped;
      this.logger.warn(
        { code: error.code, eventId: event.id, type: event.type, subscription: subscription?.name },
        `dropped event ${event.id} (${event.type}): ${error.message}`,
      );
    }
  }
}
