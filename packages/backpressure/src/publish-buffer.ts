/**
 * A publisher-side buffer with a manual drain: `offer()` holds events in a
 * {@link BoundedBuffer} under its policy, and `process()` publishes them, oldest
 * first. Legacy buses that queue on publish and deliver on `process()` (issue
 * 16: the SRE facade) wire this instead of a queue of their own.
 */
import { BusError, createEventId, definePlugin, type Plugin } from '@bus/core';
import { createEnvelope } from '@bus/core/plugin-kit';
import { BoundedBuffer, type BufferPolicy, type OfferOutcome } from './bounded-buffer.js';

/**
 * Options of {@link publishBuffer}.
 *
 * @example
 * ```ts
 * const options: PublishBufferOptions = { capacity: 1_000, policy: 'drop-oldest' };
 * ```
 */
export interface PublishBufferOptions {
  /** How many events it holds; `Infinity` for no limit. Default `Infinity`. */
  readonly capacity?: number;
  /** What a full buffer does with one more event. Default `'reject'`. */
  readonly policy?: BufferPolicy;
  /**
   * Called when `process()` could not publish an event (a plugin refused it);
   * the drain goes on with the next. Default: reported on `bus.events` `'error'`.
   */
  readonly onPublishFailed?: (item: BufferedPublish, error: BusError) => void;
}

/**
 * An event waiting in the buffer: the type and data given to `offer()`.
 *
 * @example
 * ```ts
 * const item: BufferedPublish = { type: 'metrics.cpu', data: { load: 0.7 } };
 * ```
 */
export interface BufferedPublish {
  /** The event type it will be published as. */
  readonly type: string;
  /** Its data. */
  readonly data: unknown;
}

/**
 * What {@link publishBuffer} adds to the bus as `bus.publishBuffer`.
 *
 * @example
 * ```ts
 * bus.publishBuffer.offer('metrics.cpu', { load: 0.7 });
 * bus.publishBuffer.size; // 1
 * await bus.publishBuffer.process(); // published
 * ```
 */
export interface PublishBufferControls {
  /** How many events it holds at most; lowering it below `size` evicts on the next `offer()`, oldest first. */
  capacity: number;
  /** The policy of a full buffer. */
  policy: BufferPolicy;
  /** How many events wait. */
  readonly size: number;
  /** Whether `size` has reached `capacity`. */
  readonly full: boolean;
  /**
   * Holds an event under the policy. Every event it does not keep — refused,
   * or evicted to make room — is signalled on `bus.events` `'dropped'`
   * (`BACKPRESSURE_REJECTED`, `details: { policy, capacity }`).
   */
  offer(type: string, data: unknown): OfferOutcome<BufferedPublish>;
  /** The waiting events, oldest first (a copy). */
  pending(): BufferedPublish[];
  /**
   * Publishes the waiting events with `bus.publish`, oldest first, one at a
   * time, including those offered meanwhile; resolves when the buffer is
   * empty. A call while a drain runs joins it.
   */
  process(): Promise<void>;
}

/**
 * What {@link publishBuffer} adds to the bus.
 *
 * @example
 * ```ts
 * const bus = createBus().use(publishBuffer()); // Bus & PublishBufferExtension
 * bus.publishBuffer.offer('a', 1);
 * ```
 */
export interface PublishBufferExtension {
  /** The buffer and its drain. */
  readonly publishBuffer: PublishBufferControls;
}

/**
 * A bounded buffer in front of `bus.publish`, drained by hand: `offer()`
 * queues, `process()` publishes. Refused and evicted events are signalled as
 * `'dropped'`. Throws `PLUGIN_INVALID` for a bad capacity or policy.
 *
 * @example
 * ```ts
 * const bus = createBus({ autoStart: true }).use(publishBuffer({ capacity: 2, policy: 'drop-oldest' }));
 * bus.publishBuffer.offer('t1', 1);
 * bus.publishBuffer.offer('t2', 2);
 * bus.publishBuffer.offer('t3', 3); // t1 is dropped
 * await bus.publishBuffer.process(); // publishes t2, then t3
 * ```
 */
export function publishBuffer(options: PublishBufferOptions = {}): Plugin<PublishBufferExtension> {
  if (typeof options !== 'object' || options === null) {
    throw new BusError('PLUGIN_INVALID', 'publishBuffer(options) takes an object: { capacity?, policy?, onPublishFailed? }.');
  }
  let buffer: BoundedBuffer<BufferedPublish>;
  try {
    buffer = new BoundedBuffer({ capacity: options.capacity ?? Number.POSITIVE_INFINITY, policy: options.policy ?? 'reject' });
  } catch (error) {
    throw new BusError('PLUGIN_INVALID', `publishBuffer(): ${(error as Error).message}.`, { cause: error });
  }
  const onPublishFailed = options.onPublishFailed;
  return definePlugin({
    name: 'publish-buffer',
    setup(kernel) {
      const defaults = { source: kernel.source, createId: createEventId };
      const dropped = (item: BufferedPublish): void => {
        const event = createEnvelope(item.type, item.data, undefined, defaults);
        const { policy, capacity } = buffer;
        const error = new BusError('BACKPRESSURE_REJECTED', `publishBuffer: the buffer is full (${capacity}); policy ${policy}.`, {
          eventId: event.id,
          details: { policy, capacity },
        });
        kernel.drop({ event, error });
      };
      let draining: Promise<void> | undefined;
      const drain = async (): Promise<void> => {
        for (let item = buffer.shift(); item !== undefined; item = buffer.shift()) {
          try {
            await kernel.bus.publish(item.type, item.data);
          } catch (error) {
            const failure = BusError.from(error, 'PUBLISH_FAILED');
            if (onPublishFailed === undefined) kernel.report(failure, 'PUBLISH_FAILED');
            else onPublishFailed(item, failure);
          }
        }
      };
      const controls: PublishBufferControls = {
        get capacity() {
          return buffer.capacity;
        },
        set capacity(capacity: number) {
          buffer.capacity = capacity;
        },
        get policy() {
          return buffer.policy;
        },
        set policy(policy: BufferPolicy) {
          buffer.policy = policy;
        },
        get size() {
          return buffer.size;
        },
        get full() {
          return buffer.full;
        },
        offer(type, data) {
          const item: BufferedPublish = { type, data };
          const outcome = buffer.offer(item);
          if (!outcome.accepted) dropped(item);
          else for (const evicted of outcome.evicted) dropped(evicted);
          return outcome;
        },
        pending: () => buffer.toArray(),
        process() {
          draining ??= drain().finally(() => {
            draining = undefined;
          });
          return draining;
        },
      };
      return { publishBuffer: controls };
    },
  });
}
