/**
 * The `metrics()` plugin: OpenTelemetry metrics and traces for every publish
 * and delivery, named after the messaging semantic conventions, with the
 * trace context carried from producer to consumer in the envelope.
 */
import {
  BusError,
  type DeadLetteredEvent,
  type DeliveryContext,
  type DroppedEvent,
  definePlugin,
  type EventEnvelope,
  isThenable,
  type Kernel,
  type Next,
  type Plugin,
  type PublishContext,
  type Subscription,
} from '@bus/core';
import {
  type Attributes,
  type Context,
  context,
  INVALID_SPANID,
  INVALID_TRACEID,
  type Meter,
  type MeterProvider,
  metrics as metricsApi,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  type TextMapPropagator,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { asException, errorMessage, errorType } from './error-type.js';
import { type InFlightSource, type InFlightTotal, MeterState, type SeriesState } from './meter-state.js';
import type { MetricsProducer } from './metrics-producer.js';
import { observePluginGauges } from './plugin-gauges.js';
import {
  ATTR_BUS_DELIVERY_ATTEMPT,
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME,
  ATTR_MESSAGING_MESSAGE_CONVERSATION_ID,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_MESSAGING_SYSTEM_NAME,
  DURATION_BUCKETS,
  OPERATION_CREATE,
  OPERATION_PROCESS,
  OPERATION_SEND,
} from './semantic-conventions.js';
import { Series } from './series.js';
import { type EnvelopeTraceContext, propagatorEnvelopeTraceContext, w3cEnvelopeTraceContext } from './trace-context.js';

/**
 * Options of {@link metrics}.
 *
 * @example
 * ```ts
 * const bus = createBus().use(metrics({ system: 'kafka', meterProvider, tracerProvider }));
 * ```
 */
export interface MetricsOptions {
  /**
   * Where the instruments come from. Default: the global one, read at
   * `bus.start()` (register the SDK before). With a `producer`, only other
   * plugins' gauges (e.g. the outbox's) are made on it.
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Aggregate in process and report through this producer, which a reader
   * was given (`metricProducers: [producer]`), instead of recording every
   * event into the SDK's instruments: the same exported data, at a fraction of
   * the cost. See {@link metricsProducer}. Default: none, the SDK's instruments.
   */
  readonly producer?: MetricsProducer;
  /** Where the tracer comes from. Default: the global one. */
  readonly tracerProvider?: TracerProvider;
  /**
   * `messaging.system.name` (and the older `messaging.system`). Default:
   * `'kafka'` when the bus's transport is named `kafka`, else `'bus'`.
   */
  readonly system?: string;
  /** Record metrics. Default `true`. */
  readonly metrics?: boolean;
  /** Record spans and propagate trace context in events. Default `true`. */
  readonly tracing?: boolean;
  /**
   * How trace context is written into and read from events. Default: W3C
   * Trace Context in the `traceparent`/`tracestate` extension attributes, as
   * the CloudEvents Distributed Tracing extension prescribes, whatever the
   * global propagator. Give a propagator (e.g. `propagation`, the global one)
   * to carry more, such as baggage; fields it writes that are no valid
   * extension attribute name once lowercased are skipped.
   */
  readonly propagator?: TextMapPropagator;
  /**
   * The parent of a `process` span: `'message'` (default), the creation
   * context the event carries, so producer and consumers share one trace;
   * or `'ambient'`, the context active when the delivery starts (a new trace
   * for a Kafka consumer), linked to the creation context.
   */
  readonly processParent?: 'message' | 'ambient';
  /** Bucket boundaries (seconds) advised for the duration histograms. Default: those the conventions advise. */
  readonly durationBuckets?: readonly number[];
  /**
   * Make no span where the parent's trace is not sampled (the event's
   * `traceparent` flags, or the active span's), as the SDK's default
   * parent-based samplers decide, without asking the SDK: an unsampled event
   * then costs no span at all, and its `traceparent` still travels. Only a
   * root (no parent) goes to the tracer, whose sampler decides. Set `false`
   * for a sampler that is not parent-based. Default `true`.
   */
  readonly followParentSampling?: boolean;
}

/**
 * What `metrics()` adds to the bus as `bus.metrics`.
 *
 * @example
 * ```ts
 * app.get('/health', () => ({ inFlight: Object.fromEntries(bus.metrics.inFlight()) }));
 * ```
 */
export interface BusMetrics {
  /** Deliveries running in the `handle` phase now, by subscription name. */
  inFlight(): ReadonlyMap<string, number>;
}

/**
 * The extension {@link metrics} adds to the bus.
 *
 * @example
 * ```ts
 * const bus: Bus & MetricsExtension = createBus().use(metrics());
 * ```
 */
export interface MetricsExtension {
  /** In-flight deliveries, for health checks. */
  readonly metrics: BusMetrics;
}

/**
 * Where the plugin's middleware sits in the publish `enrich` and deliver
 * `handle` phases: early, so the producer span covers the whole publish and
 * the `process` span encloses timeouts, retries and dead-lettering (default
 * order 0), while `@bus/context` (-1000) still runs outside it.
 *
 * @example
 * ```ts
 * // A handle middleware that must run outside the process span:
 * kernel.useDeliver('handle', measureQueueTime, { order: METRICS_ORDER - 1 });
 * ```
 */
export const METRICS_ORDER = -500;

const SCOPE_NAME = '@bus/metrics';
const SCOPE_VERSION = '0.1.0';
const SYSTEM_BY_TRANSPORT: Readonly<Record<string, string>> = { kafka: 'kafka' };

/**
 * OpenTelemetry metrics and tracing for the bus, after the messaging semantic
 * conventions. Every publish is a `send <type>` span (kind PRODUCER) whose
 * context is written into the event's `traceparent`/`tracestate`; every
 * delivery is a `process <type>` span (kind CONSUMER), child of and linked to
 * that context, with the handler running inside it. Counters count sent and
 * consumed messages, and the `failed`, `dropped` and `deadLettered` signals;
 * histograms time publishes and deliveries; an observable counts in-flight
 * deliveries per subscription. See {@link METRIC_NAMES}.
 *
 * Uses the global meter and tracer providers unless given others; the SDK
 * must register a context manager (the Node SDK does) for handlers to run
 * inside their span.
 *
 * @example
 * ```ts
 * const bus = createBus().use(metrics());
 * bus.subscribe('orders.created', async (event) => {
 *   await bus.publish('invoices.opened', { order: event.data }); // a child span, same trace
 * });
 * await bus.start();
 * await bus.publish('orders.created', { id: 'o-1' }); // span `send orders.created`
 * ```
 */
export function metrics(options: MetricsOptions = {}): Plugin<MetricsExtension> {
  const settings = checkOptions(options);
  return definePlugin({
    name: 'metrics',
    setup(kernel) {
      const telemetry = new Telemetry(kernel, options, settings);
      if (settings.tracing || settings.metrics) {
        kernel.usePublish(
          'enrich',
          function observePublish(ctx, next) {
            return telemetry.observePublish(ctx, next);
          },
          { order: METRICS_ORDER },
        );
        kernel.useDeliver(
          'handle',
          function observeDelivery(ctx, next) {
            return telemetry.observeDelivery(ctx, next);
          },
          { order: METRICS_ORDER },
        );
      }
      kernel.onSubscribe((subscription) => telemetry.subscribed(subscription));
      kernel.onStart(() => telemetry.ready());
      kernel.onStop(() => telemetry.stop());
      return { metrics: { inFlight: () => telemetry.inFlight() } };
    },
  });
}

interface Settings {
  readonly metrics: boolean;
  readonly tracing: boolean;
  readonly processParent: 'message' | 'ambient';
  readonly buckets: readonly number[];
  readonly traceContext: EnvelopeTraceContext;
  readonly followParentSampling: boolean;
  /** The built-in W3C trace context: it carries nothing but the span context. */
  readonly plainTraceContext: boolean;
}

function checkOptions(options: MetricsOptions): Settings {
  const invalid = (message: string): BusError => new BusError('PLUGIN_INVALID', `metrics(): ${message}`);
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object.');
  if (options.system !== undefined && (typeof options.system !== 'string' || options.system.length === 0)) {
    throw invalid('`system` must be a non-empty string, such as "kafka".');
  }
  const processParent = options.processParent ?? 'message';
  if (processParent !== 'message' && processParent !== 'ambient') throw invalid("`processParent` must be 'message' or 'ambient'.");
  const buckets = options.durationBuckets ?? DURATION_BUCKETS;
  if (
    !Array.isArray(buckets) ||
    buckets.some((bound, index) => !Number.isFinite(bound) || (index > 0 && bound <= (buckets[index - 1] as number)))
  ) {
    throw invalid('`durationBuckets` must be finite numbers in increasing order.');
  }
  if (options.followParentSampling !== undefined && typeof options.followParentSampling !== 'boolean') {
    throw invalid('`followParentSampling` must be a boolean.');
  }
  const producer = options.producer as { stateFor?: unknown } | undefined;
  if (producer !== undefined && (typeof producer !== 'object' || producer === null || typeof producer.stateFor !== 'function')) {
    throw invalid('`producer` must come from metricsProducer().');
  }
  const propagator = options.propagator;
  if (propagator !== undefined && (typeof propagator.inject !== 'function' || typeof propagator.extract !== 'function')) {
    throw invalid('`propagator` must be a TextMapPropagator (inject and extract).');
  }
  return {
    metrics: options.metrics ?? true,
    tracing: options.tracing ?? true,
    processParent,
    buckets,
    traceContext: propagator === undefined ? w3cEnvelopeTraceContext : propagatorEnvelopeTraceContext(propagator),
    followParentSampling: options.followParentSampling ?? true,
    plainTraceContext: propagator === undefined,
  };
}

/** One subscription: its attributes, its deliveries in flight, and its series by event type. */
class SubscriptionTelemetry {
  inFlight = 0;
  #base: Attributes | undefined;
  readonly #byType = new Map<string, Series>();

  constructor(
    readonly subscription: Subscription,
    private readonly telemetry: Telemetry,
  ) {}

  /** `messaging.system.name`, the subscription name and the consumer group: what the in-flight series is keyed by. */
  get base(): Attributes {
    if (this.#base === undefined) {
      const base: Attributes = this.telemetry.systemAttributes();
      base[ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME] = this.subscription.name;
      if (this.subscription.group !== undefined) base[ATTR_MESSAGING_CONSUMER_GROUP_NAME] = this.subscription.group;
      this.#base = base;
    }
    return this.#base;
  }

  /** What tells this subscription's series apart: subscriptions that share a name and group share their series. */
  get key(): string {
    return `${this.subscription.name}\u0000${this.subscription.group ?? ''}`;
  }

  /** The series of deliveries of `type` (consumed count and process duration), looked up once per type. */
  processSeries(type: string): Series {
    let series = this.#byType.get(type);
    if (series === undefined) {
      series = this.telemetry.processSeries(this, type);
      this.#byType.set(type, series);
    }
    return series;
  }
}

/**
 * A span and the context to run the rest of the chain in; no context when
 * the span carries no valid trace (no SDK), no span when the parent was not
 * sampled (then only a context, if the trace must be entered).
 */
interface StartedSpan {
  readonly span: Span | undefined;
  readonly context: Context | undefined;
}

/** Whether `span` has ids, unlike the API's no-op span (no SDK): compared, not validated by regular expression, on the hot path. */
function hasIds(span: Span): boolean {
  const spanContext = span.spanContext();
  return spanContext.traceId !== INVALID_TRACEID && spanContext.spanId !== INVALID_SPANID;
}

/** A creation context (valid by the contract of `creationContext`) whose trace is not sampled. */
function unsampledTrusted(spanContext: SpanContext | undefined): spanContext is SpanContext {
  return spanContext !== undefined && (spanContext.traceFlags & TraceFlags.SAMPLED) === 0;
}

/** A valid span context whose trace is not sampled: under a parent-based sampler nothing below it is recorded. */
function unsampled(spanContext: SpanContext | undefined): spanContext is SpanContext {
  // Ids of the right length, not the all-zero ones: an active context was validated where it was extracted or made,
  // and what goes into an event is validated again by `inject` (the full check takes two regular expressions).
  return (
    spanContext !== undefined &&
    (spanContext.traceFlags & TraceFlags.SAMPLED) === 0 &&
    spanContext.traceId.length === 32 &&
    spanContext.spanId.length === 16 &&
    spanContext.traceId !== INVALID_TRACEID &&
    spanContext.spanId !== INVALID_SPANID
  );
}

/** One bus's side of the plugin: its providers, its spans, its subscriptions, and the shared counts it adds to. */
class Telemetry implements InFlightSource {
  readonly #kernel: Kernel;
  readonly #options: MetricsOptions;
  readonly #settings: Settings;
  #started = false;
  #stopGauges: () => void = () => {};
  #system = 'bus';
  #tracer: Tracer | undefined;
  /** The instruments and series, shared with every bus on the same meter and system; none without metrics. */
  #meter: SeriesState | undefined;
  /** The send series of the last type published: most publishers publish one type over and over. */
  #lastSendType: string | undefined;
  #lastSend: Series | undefined;
  readonly #subscriptions = new Map<string, SubscriptionTelemetry>();
  /** Batch events whose pipeline passed, counted as sent once the kernel says the batch was. */
  readonly #batchPending = new WeakMap<EventEnvelope, Series>();
  #listeningToPublished = false;
  readonly #onFailed = (error: BusError, event: EventEnvelope, subscription: Subscription): void => {
    this.#countSignal('failed', error, event, subscription);
  };
  readonly #onDropped = (dropped: DroppedEvent): void => {
    this.#countSignal('dropped', dropped.error, dropped.event, dropped.subscription);
  };
  readonly #onDeadLettered = (deadLettered: DeadLetteredEvent): void => {
    this.#countSignal('deadLettered', deadLettered.error, deadLettered.event, deadLettered.subscription);
  };
  readonly #onPublished = (event: EventEnvelope): void => {
    const series = this.#batchPending.get(event);
    if (series === undefined) return;
    this.#batchPending.delete(event);
    series.count++;
  };

  constructor(kernel: Kernel, options: MetricsOptions, settings: Settings) {
    this.#kernel = kernel;
    this.#options = options;
    this.#settings = settings;
    if (settings.metrics) {
      // Observed, not handled: counting failures must not silence the kernel's report of unhandled ones.
      kernel.observe('failed', this.#onFailed);
      kernel.observe('dropped', this.#onDropped);
      kernel.observe('deadLettered', this.#onDeadLettered);
    }
  }

  /**
   * Reads the providers and makes the instruments, once: at `start()`, or at
   * the first event if one comes sooner. Not in `setup`: the global meter
   * provider has no proxy, so one registered after `use()` would be missed.
   */
  ready(): void {
    if (this.#started) return;
    this.#started = true;
    this.#system = this.#options.system ?? SYSTEM_BY_TRANSPORT[this.#kernel.bus.transport?.name ?? ''] ?? 'bus';
    if (this.#settings.tracing) {
      this.#tracer = (this.#options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE_NAME, SCOPE_VERSION);
    }
    if (this.#settings.metrics) {
      const producer = this.#options.producer;
      const gaugeSources = this.#kernel.gaugeSources();
      // With a producer, the meter only serves other plugins' gauges: not read unless there are some.
      const meter =
        producer === undefined || gaugeSources.length > 0
          ? (this.#options.meterProvider ?? metricsApi.getMeterProvider()).getMeter(SCOPE_NAME, SCOPE_VERSION)
          : undefined;
      this.#meter =
        producer === undefined
          ? MeterState.of(meter as Meter, this.#system, this.#settings.buckets)
          : producer.stateFor(this.#system, this.#settings.buckets);
      this.#meter.inFlightSources.add(this);
      if (meter !== undefined) {
        this.#stopGauges = observePluginGauges(meter, gaugeSources, this.systemAttributes(), (error) =>
          this.#kernel.report(error, 'GAUGE_FAILED'),
        );
      }
    }
  }

  /**
   * Stops listening to the bus, and reporting its in-flight deliveries (none
   * are left). The counts stay: the exporter's final collection comes after
   * `stop()`, and a synchronous counter's sums would be kept as well.
   */
  stop(): void {
    this.#meter?.inFlightSources.delete(this);
    this.#stopGauges();
    const events = this.#kernel.events;
    events.off('failed', this.#onFailed);
    events.off('dropped', this.#onDropped);
    events.off('deadLettered', this.#onDeadLettered);
    if (this.#listeningToPublished) events.off('published', this.#onPublished);
  }

  subscribed(subscription: Subscription): () => void {
    this.#subscriptions.set(subscription.id, new SubscriptionTelemetry(subscription, this));
    return () => this.#subscriptions.delete(subscription.id);
  }

  inFlight(): ReadonlyMap<string, number> {
    const byName = new Map<string, number>();
    for (const state of this.#subscriptions.values()) {
      byName.set(state.subscription.name, (byName.get(state.subscription.name) ?? 0) + state.inFlight);
    }
    return byName;
  }

  /** Adds this bus's deliveries in flight to `totals`; subscriptions that share a name and group share a total. */
  addInFlight(totals: Map<string, InFlightTotal>): void {
    for (const state of this.#subscriptions.values()) {
      const total = totals.get(state.key);
      if (total === undefined) totals.set(state.key, { attributes: state.base, value: state.inFlight });
      else total.value += state.inFlight;
    }
  }

  /** The series of deliveries of `type` to subscriptions named and grouped as `state`'s. */
  processSeries(state: SubscriptionTelemetry, type: string): Series {
    const process = (this.#meter as SeriesState).process;
    const key = `${state.key}\u0000${type}`;
    let series = process.get(key);
    if (series === undefined) {
      series = new Series({
        ...state.base,
        [ATTR_MESSAGING_OPERATION_TYPE]: OPERATION_PROCESS,
        [ATTR_MESSAGING_OPERATION_NAME]: OPERATION_PROCESS,
        [ATTR_MESSAGING_DESTINATION_NAME]: type,
      });
      process.set(key, series);
    }
    return series;
  }

  /** `messaging.system.name` and `messaging.system`, in a new object. */
  systemAttributes(): Attributes {
    return { [ATTR_MESSAGING_SYSTEM_NAME]: this.#system, [ATTR_MESSAGING_SYSTEM]: this.#system };
  }

  // ── publish ────────────────────────────────────────────────────────────

  observePublish(ctx: PublishContext, next: Next): void | Promise<void> {
    if (!this.#started) this.ready();
    const envelope = ctx.envelope;
    const type = envelope.type;
    const started = this.#meter === undefined ? 0 : performance.now();
    const span = this.#tracer === undefined ? undefined : this.#startProducerSpan(this.#tracer, envelope, ctx.batch);
    // Nothing to end and nothing to record (tracing only, no span for this event): no `then` either.
    if (span?.span === undefined && this.#meter === undefined)
      return span?.context === undefined ? next() : context.with(span.context, next);
    let result: void | Promise<void>;
    try {
      result = span?.context === undefined ? next() : context.with(span.context, next);
    } catch (error) {
      this.#published(ctx, type, started, span?.span, true, error);
      throw error;
    }
    if (!isThenable(result)) {
      this.#published(ctx, type, started, span?.span, false, undefined);
      return;
    }
    return (result as Promise<void>).then(
      () => this.#published(ctx, type, started, span?.span, false, undefined),
      (error: unknown) => {
        this.#published(ctx, type, started, span?.span, true, error);
        throw error;
      },
    );
  }

  /**
   * `send <type>` (PRODUCER) for a publish, `create <type>` (PRODUCER) for an
   * event of a batch, and writes its context into the event. An event that
   * already carries a creation context (its publisher set `traceparent`, or
   * it is being republished) keeps it, as the conventions require: its send
   * span links to it and, no longer the creation context, is a CLIENT span;
   * a batch event of that kind gets no create span.
   */
  #startProducerSpan(tracer: Tracer, envelope: EventEnvelope, batch: boolean): StartedSpan | undefined {
    const traceContext = this.#settings.traceContext;
    const carried = traceContext.creationContext(envelope);
    if (carried !== undefined && batch) return undefined;
    const parent = context.active();
    // Published where the trace is not sampled (an unsampled delivery's handler): no span, as a parent-based sampler
    // would decide, and the parent's context goes into the event so the trace stays one. An event that carries its
    // own creation context, unsampled too, keeps it.
    if (this.#settings.followParentSampling) {
      const parentSpanContext = trace.getSpanContext(parent);
      if (unsampledTrusted(carried) || (carried === undefined && unsampled(parentSpanContext))) {
        if (carried === undefined) traceContext.inject(parent, envelope);
        return undefined;
      }
    }
    const operation = batch ? OPERATION_CREATE : OPERATION_SEND;
    const attributes: Attributes = {
      [ATTR_MESSAGING_SYSTEM_NAME]: this.#system,
      [ATTR_MESSAGING_SYSTEM]: this.#system,
      [ATTR_MESSAGING_OPERATION_TYPE]: operation,
      [ATTR_MESSAGING_OPERATION_NAME]: operation,
      [ATTR_MESSAGING_DESTINATION_NAME]: envelope.type,
      [ATTR_MESSAGING_MESSAGE_ID]: envelope.id,
    };
    if (typeof envelope.correlationid === 'string') attributes[ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = envelope.correlationid;
    const options: SpanOptions = { kind: carried === undefined ? SpanKind.PRODUCER : SpanKind.CLIENT, attributes };
    if (carried !== undefined) options.links = [{ context: carried }];
    const span = tracer.startSpan(`${operation} ${envelope.type}`, options, parent);
    // No SDK and no trace around: nothing to propagate, and no context to enter.
    // The API's no-op span carries the all-zero ids; what else goes out is validated by `inject`.
    if (!hasIds(span)) return { span, context: undefined };
    const active = trace.setSpan(parent, span);
    if (carried === undefined) traceContext.inject(active, envelope);
    return { span, context: active };
  }

  #published(ctx: PublishContext, type: string, started: number, span: Span | undefined, failed: boolean, error: unknown): void {
    if (span !== undefined) endSpan(span, failed, error, 'TRANSPORT_FAILED');
    const meter = this.#meter;
    if (meter === undefined) return;
    const seconds = (performance.now() - started) / 1000;
    let send = this.#lastSend;
    if (type !== this.#lastSendType || send === undefined) {
      send = this.#publishSeries(meter.send, OPERATION_SEND, type);
      this.#lastSendType = type;
      this.#lastSend = send;
    }
    if (!ctx.batch) {
      const series = failed ? send.failure(errorType(error, 'TRANSPORT_FAILED')) : send;
      meter.recordOperation(series, seconds);
      series.count++;
      return;
    }
    const create = this.#publishSeries(meter.create, OPERATION_CREATE, type);
    if (failed) {
      const code = errorType(error, 'TRANSPORT_FAILED');
      meter.recordOperation(create.failure(code), seconds);
      send.failure(code).count++;
      return;
    }
    meter.recordOperation(create, seconds);
    // A batch is sent after every event's pipeline ran, out of middleware's sight: count it sent when the kernel says so.
    this.#batchPending.set(ctx.envelope, send);
    if (!this.#listeningToPublished) {
      this.#listeningToPublished = true;
      this.#kernel.events.on('published', this.#onPublished);
    }
  }

  #publishSeries(cache: Map<string, Series>, operation: string, type: string): Series {
    let series = cache.get(type);
    if (series === undefined) {
      const attributes = this.systemAttributes();
      attributes[ATTR_MESSAGING_OPERATION_TYPE] = operation;
      attributes[ATTR_MESSAGING_OPERATION_NAME] = operation;
      attributes[ATTR_MESSAGING_DESTINATION_NAME] = type;
      series = new Series(attributes);
      cache.set(type, series);
    }
    return series;
  }

  // ── deliver ────────────────────────────────────────────────────────────

  observeDelivery(ctx: DeliveryContext, next: Next): void | Promise<void> {
    if (!this.#started) this.ready();
    const state = this.#subscriptionState(ctx.subscription);
    const type = ctx.event.type;
    const started = this.#meter === undefined ? 0 : performance.now();
    const span = this.#tracer === undefined ? undefined : this.#startProcessSpan(this.#tracer, ctx);
    state.inFlight++;
    let result: void | Promise<void>;
    try {
      result = span?.context === undefined ? next() : context.with(span.context, next);
    } catch (error) {
      this.#delivered(ctx, state, type, started, span?.span, true, error);
      throw error;
    }
    if (!isThenable(result)) {
      this.#delivered(ctx, state, type, started, span?.span, false, undefined);
      return;
    }
    return (result as Promise<void>).then(
      () => this.#delivered(ctx, state, type, started, span?.span, false, undefined),
      (error: unknown) => {
        this.#delivered(ctx, state, type, started, span?.span, true, error);
        throw error;
      },
    );
  }

  /** `process <type>` (CONSUMER): child of the event's creation context (or the ambient one), linked to it. */
  #startProcessSpan(tracer: Tracer, ctx: DeliveryContext): StartedSpan | undefined {
    const event = ctx.event;
    const subscription = ctx.subscription;
    const traceContext = this.#settings.traceContext;
    const ambient = context.active();
    const creation = traceContext.creationContext(event);
    const fromMessage = creation !== undefined && this.#settings.processParent === 'message';
    if (this.#settings.followParentSampling) {
      const active = trace.getSpanContext(ambient);
      if (fromMessage ? unsampledTrusted(creation) : unsampled(active)) {
        if (!fromMessage) return undefined;
        const from = creation as SpanContext;
        // Delivered inside its publish (in process): the trace it carries is the active one already, nothing to enter.
        if (this.#settings.plainTraceContext && active !== undefined && active.spanId === from.spanId && active.traceId === from.traceId) {
          return undefined;
        }
        // Not sampled upstream: no span, but the handler runs in the event's trace, so what it publishes continues it.
        return { span: undefined, context: traceContext.extract(ambient, event, from) };
      }
    }
    const parent = fromMessage ? traceContext.extract(ambient, event, creation as SpanContext) : ambient;
    const attributes: Attributes = {
      [ATTR_MESSAGING_SYSTEM_NAME]: this.#system,
      [ATTR_MESSAGING_SYSTEM]: this.#system,
      [ATTR_MESSAGING_OPERATION_TYPE]: OPERATION_PROCESS,
      [ATTR_MESSAGING_OPERATION_NAME]: OPERATION_PROCESS,
      [ATTR_MESSAGING_DESTINATION_NAME]: event.type,
      [ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME]: subscription.name,
      [ATTR_MESSAGING_MESSAGE_ID]: event.id,
      // Set again at the end only if a retry raised it: an SDK setAttribute costs more than the attribute.
      [ATTR_BUS_DELIVERY_ATTEMPT]: ctx.attempt,
    };
    if (subscription.group !== undefined) attributes[ATTR_MESSAGING_CONSUMER_GROUP_NAME] = subscription.group;
    if (typeof event.correlationid === 'string') attributes[ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = event.correlationid;
    const options: SpanOptions = { kind: SpanKind.CONSUMER, attributes };
    if (creation !== undefined) options.links = [{ context: creation }];
    const span = tracer.startSpan(`${OPERATION_PROCESS} ${event.type}`, options, parent);
    return { span, context: hasIds(span) ? trace.setSpan(parent, span) : undefined };
  }

  #delivered(
    ctx: DeliveryContext,
    state: SubscriptionTelemetry,
    type: string,
    started: number,
    span: Span | undefined,
    failed: boolean,
    error: unknown,
  ): void {
    state.inFlight--;
    if (span !== undefined) {
      if (ctx.attempt !== 1) span.setAttribute(ATTR_BUS_DELIVERY_ATTEMPT, ctx.attempt);
      endSpan(span, failed, error, 'HANDLER_FAILED');
    }
    const meter = this.#meter;
    if (meter === undefined) return;
    const processed = state.processSeries(type);
    const series = failed ? processed.failure(errorType(error, 'HANDLER_FAILED')) : processed;
    meter.recordProcess(series, (performance.now() - started) / 1000);
    series.count++;
  }

  #subscriptionState(subscription: Subscription): SubscriptionTelemetry {
    let state = this.#subscriptions.get(subscription.id);
    if (state === undefined) {
      // Subscribed before this plugin was used: no onSubscribe hook ran for it.
      state = new SubscriptionTelemetry(subscription, this);
      this.#subscriptions.set(subscription.id, state);
    }
    return state;
  }

  // ── signals ────────────────────────────────────────────────────────────

  #countSignal(
    signal: 'failed' | 'dropped' | 'deadLettered',
    error: BusError,
    event: EventEnvelope,
    subscription: Subscription | undefined,
  ): void {
    this.ready();
    const meter = this.#meter;
    if (meter === undefined) return;
    const counts = meter[signal];
    const state =
      subscription === undefined ? undefined : (this.#subscriptions.get(subscription.id) ?? new SubscriptionTelemetry(subscription, this));
    const key = `${state === undefined ? '' : state.key}\u0000${event.type}`;
    let series = counts.get(key);
    if (series === undefined) {
      const attributes = state === undefined ? this.systemAttributes() : { ...state.base };
      attributes[ATTR_MESSAGING_DESTINATION_NAME] = event.type;
      series = new Series(attributes);
      counts.set(key, series);
    }
    series.failure(errorType(error, 'HANDLER_FAILED')).count++;
  }
}

/** Ends `span`; a failure sets `error.type`, an exception event and the error status (success leaves the status unset). */
function endSpan(span: Span, failed: boolean, error: unknown, fallback: 'TRANSPORT_FAILED' | 'HANDLER_FAILED'): void {
  if (failed) {
    span.setAttribute(ATTR_ERROR_TYPE, errorType(error, fallback));
    span.recordException(asException(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
  }
  span.end();
}
