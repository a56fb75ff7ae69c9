/**
 * The seam at the end of the publish pipeline: where encoded events go to the
 * transport, a plugin may take them instead (the outbox, into the caller's
 * database transaction) or pass them on.
 */
import type { EventEnvelope, PublishOptions } from './envelope.js';

/** Passes events on to the next interceptor, or to the transport. */
export type SendNext = (messages: readonly EventEnvelope[]) => void | Promise<void>;

/**
 * Receives every event of one `publish` or `publishBatch` once the publish
 * pipeline ran for all of them (so they are encoded), with the options the
 * publish was given. Resolve to accept them; reject to fail the publish.
 *
 * @example
 * ```ts
 * kernel.interceptSend(function toOutbox(messages, options, send) {
 *   return options.tx === undefined ? send(messages) : writeRows(options.tx, messages);
 * });
 * ```
 */
export type SendInterceptor = (messages: readonly EventEnvelope[], options: PublishOptions, send: SendNext) => void | Promise<void>;
