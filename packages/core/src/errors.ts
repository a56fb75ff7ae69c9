/**
 * The one error class of the bus and its code table.
 *
 * Every failure a user can see is a {@link BusError} with a stable `code` from
 * {@link ERROR_CODES}, the id of the event it concerns (when there is one), a
 * `retryable` flag and the underlying `cause`.
 */

/**
 * The table of every error code, with whether an error of that code is worth
 * retrying by default and what it means. One table for the kernel and every
 * plugin, so codes never collide (Fastify's `FST_ERR_*` idea).
 */
export const ERROR_CODES = {
  BUS_NOT_STARTED: { retryable: false, description: 'The bus was used before start() resolved.' },
  BUS_STOPPED: { retryable: false, description: 'The bus is stopping or stopped.' },
  BUS_FROZEN: { retryable: false, description: 'use() was called after start(): the pipelines are already composed.' },
  BUS_START_FAILED: { retryable: false, description: 'A plugin or the transport failed to start.' },
  BUS_STOP_FAILED: { retryable: false, description: 'A plugin failed while stopping; the bus stopped anyway.' },
  BUS_STOP_TIMEOUT: { retryable: false, description: 'stop({ drain }) gave up waiting for in-flight work.' },
  PLUGIN_INVALID: { retryable: false, description: 'use() was given something that is not a plugin.' },
  PLUGIN_DUPLICATE: { retryable: false, description: 'Two plugins share a name.' },
  PLUGIN_MISSING_DEPENDENCY: { retryable: false, description: 'A plugin requires another that has not been used before it.' },
  PLUGIN_CONFLICT: { retryable: false, description: 'A plugin extension or transport collides with an existing one.' },
  CONFIG_INVALID: { retryable: false, description: 'A plugin option, rule, schema or key given at setup is not valid.' },
  MIDDLEWARE_NEXT_TWICE: { retryable: false, description: 'A middleware called next() more than once.' },
  MIDDLEWARE_INVALID: { retryable: false, description: 'A middleware or phase given to the kernel is not valid.' },
  INVALID_EVENT: { retryable: false, description: 'The event or its attributes do not form a valid envelope.' },
  INVALID_SUBSCRIPTION: { retryable: false, description: 'The subscription pattern, handler or options are not valid.' },
  HANDLER_FAILED: { retryable: true, description: 'A subscription handler threw or rejected.' },
  HANDLER_TIMEOUT: { retryable: true, description: 'A subscription handler did not finish in time.' },
  PUBLISH_FAILED: {
    retryable: false,
    description: 'A publish middleware or send interceptor failed with an error that is not a BusError.',
  },
  TRANSPORT_FAILED: { retryable: true, description: 'The transport could not send or receive.' },
  TRANSPORT_UNSUPPORTED: { retryable: false, description: 'The transport lacks a capability the call needs.' },
  SCHEMA_INVALID: { retryable: false, description: 'The event data does not match its schema.' },
  ACL_DENIED: { retryable: false, description: 'The principal may not publish or subscribe to this type.' },
  BACKPRESSURE_REJECTED: { retryable: true, description: 'A bounded queue is full and its policy rejects.' },
  ENCODE_FAILED: { retryable: false, description: 'The event data could not be serialized.' },
  DECODE_FAILED: { retryable: false, description: 'The payload could not be deserialized.' },
  PAYLOAD_TOO_LARGE: { retryable: false, description: 'The payload is larger than the configured limit.' },
  DECRYPT_FAILED: { retryable: false, description: 'The payload could not be decrypted or authenticated.' },
  CONCURRENCY_CONFLICT: { retryable: false, description: 'The stream is not at the expected version.' },
  CIRCUIT_OPEN: { retryable: true, description: 'The circuit breaker is open.' },
  GAUGE_FAILED: { retryable: true, description: "A plugin's gauge could not be read for a metrics collection." },
  DEAD_LETTERED: { retryable: false, description: 'The event exhausted its attempts and went to the dead-letter sink.' },
  TX_INVALID: {
    retryable: false,
    description: 'The `tx` given to publish is not an open transaction of the store the outbox was given.',
  },
  STORE_FAILED: { retryable: true, description: 'The event store or outbox could not read or write.' },
  LEADERSHIP_LOST: {
    retryable: false,
    description: 'This node is not (or no longer) the cluster leader of that epoch: a fenced write was refused.',
  },
} as const satisfies Record<string, { readonly retryable: boolean; readonly description: string }>;

/** A stable error code: a key of {@link ERROR_CODES}. */
export type BusErrorCode = keyof typeof ERROR_CODES;

/** What a {@link BusError} is made from, besides its code and message. */
export interface BusErrorOptions {
  /** The id of the event the error concerns. */
  readonly eventId?: string | undefined;
  /** Overrides the code's default {@link ERROR_CODES} `retryable` flag. */
  readonly retryable?: boolean | undefined;
  /** The underlying error. */
  readonly cause?: unknown;
  /** Structured detail, such as a validator's error list. */
  readonly details?: unknown;
}

// A registry-wide symbol, so two copies of @bus/core (duplicate installs)
// still recognise each other's errors; `instanceof` alone would not.
const BRAND: unique symbol = Symbol.for('@bus/core/BusError') as never;

/**
 * The one error class of the bus.
 *
 * @example
 * ```ts
 * try {
 *   await bus.publish('orders.created', order);
 * } catch (error) {
 *   if (BusError.is(error) && error.code === 'ACL_DENIED') console.warn(error.message);
 * }
 * ```
 */
export class BusError extends Error {
  /** The stable code, from {@link ERROR_CODES}. */
  readonly code: BusErrorCode;
  /** The id of the event the error concerns, when there is one. */
  readonly eventId: string | undefined;
  /** Whether retrying the same operation may succeed. */
  readonly retryable: boolean;
  /** Structured detail, such as a validator's error list. */
  readonly details: unknown;
  declare readonly [BRAND]: true;

  constructor(code: BusErrorCode, message: string, options: BusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BusError';
    this.code = code;
    this.eventId = options.eventId;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * Whether `value` is a BusError, from this or any other copy of `@bus/core`.
   *
   * @example
   * ```ts
   * bus.events.on('failed', (error) => BusError.is(error) && console.log(error.code));
   * ```
   */
  static is(value: unknown): value is BusError {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  /**
   * Returns `error` when it already is a BusError (filling in `eventId` when it
   * has none), else wraps it in one with `code`, keeping the original as `cause`.
   *
   * @example
   * ```ts
   * const failure = BusError.from(thrown, 'HANDLER_FAILED', { eventId: event.id });
   * ```
   */
  static from(error: unknown, code: BusErrorCode, options: Omit<BusErrorOptions, 'cause'> = {}): BusError {
    if (BusError.is(error)) {
      // Keep the error (and its code), but let it name the event when it did not yet.
      if (error.eventId === undefined && options.eventId !== undefined)
        (error as { eventId: string | undefined }).eventId = options.eventId;
      return error;
    }
    const message = error instanceof Error ? error.message : String(error);
    return new BusError(code, message, { ...options, cause: error });
  }

  static {
    // Keep `instanceof` working across copies, too.
    // `instanceof BusError` holds across copies of @bus/core (the brand); a
    // subclass (a facade's legacy error class) keeps the ordinary prototype check.
    Object.defineProperty(BusError, Symbol.hasInstance, {
      value(this: unknown, value: unknown): boolean {
        return this === BusError ? BusError.is(value) : Function.prototype[Symbol.hasInstance].call(this, value);
      },
    });
  }
}
