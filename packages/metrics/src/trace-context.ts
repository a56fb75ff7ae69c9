/**
 * Trace context in the envelope. The CloudEvents Distributed Tracing
 * extension (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/extensions/distributed-tracing.md)
 * fixes the `traceparent` and `tracestate` attributes to the W3C Trace Context
 * format (https://www.w3.org/TR/trace-context/), whatever propagator the
 * application uses for HTTP; so the default reads and writes that format
 * directly. Not through `@opentelemetry/core`'s propagator: that package is
 * versioned with the SDK, and depending on it would pin the user's SDK major.
 * A custom `TextMapPropagator` (to carry baggage as well, say) goes through a
 * carrier over the envelope instead.
 */
import type { EventEnvelope } from '@bus/core';
import {
  type Context,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';

/** How a creation context travels in events: written by publishers, read by consumers. */
export interface EnvelopeTraceContext {
  /** The valid creation context `event` carries, if any. */
  creationContext(event: EventEnvelope): SpanContext | undefined;
  /**
   * `base` with what `event` carries: its creation context (`creation`, as
   * {@link creationContext} returned it) as the parent span, and what else a
   * custom propagator carries, such as baggage.
   */
  extract(base: Context, event: EventEnvelope, creation: SpanContext): Context;
  /** Writes the span context of `context` (and, custom propagators, whatever else they carry) into `event`. */
  inject(context: Context, event: EventEnvelope): void;
}

// As @opentelemetry/core's W3CTraceContextPropagator: version ff is invalid, all-zero ids are invalid.
const TRACEPARENT = /^\s?((?!ff)[\da-f]{2})-((?![0]{32})[\da-f]{32})-((?![0]{16})[\da-f]{16})-([\da-f]{2})(-.*)?\s?$/;

/**
 * Parses a W3C `traceparent` (and `tracestate`) into a remote span context,
 * or undefined when it is absent or malformed.
 */
export function parseTraceparent(traceparent: unknown, tracestate: unknown): SpanContext | undefined {
  if (typeof traceparent !== 'string') return undefined;
  // What this plugin writes, and nearly every event carries: read without the regular expression (a delivery's largest cost after its span).
  if (traceparent.length === 55 && traceparent.startsWith('00-')) {
    const flags = plainVersion00Flags(traceparent);
    if (flags !== undefined) {
      const spanContext: SpanContext = {
        traceId: traceparent.slice(3, 35),
        spanId: traceparent.slice(36, 52),
        traceFlags: flags,
        isRemote: true,
      };
      if (typeof tracestate === 'string') spanContext.traceState = createTraceState(tracestate);
      return spanContext;
    }
  }
  const match = TRACEPARENT.exec(traceparent);
  // Version 00 has exactly four fields; later versions may append more.
  if (match === null || (match[1] === '00' && match[5] !== undefined)) return undefined;
  const spanContext: SpanContext = {
    traceId: match[2] as string,
    spanId: match[3] as string,
    traceFlags: Number.parseInt(match[4] as string, 16),
    isRemote: true,
  };
  if (typeof tracestate === 'string') spanContext.traceState = createTraceState(tracestate);
  return spanContext;
}

/**
 * The flags of a `00-<32 hex>-<16 hex>-<2 hex>` traceparent whose ids are not
 * all zeros, else undefined (malformed, or one the regular expression must judge).
 */
function plainVersion00Flags(traceparent: string): number | undefined {
  if (traceparent.charCodeAt(35) !== DASH || traceparent.charCodeAt(52) !== DASH) return undefined;
  let traceIdSet = false;
  let spanIdSet = false;
  for (let index = 3; index < 55; index++) {
    if (index === 35 || index === 52) continue;
    const code = traceparent.charCodeAt(index);
    const digit = code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : -1;
    if (digit < 0) return undefined;
    if (digit !== 0) {
      if (index < 35) traceIdSet = true;
      else if (index < 52) spanIdSet = true;
    }
  }
  if (!traceIdSet || !spanIdSet) return undefined;
  return Number.parseInt(traceparent.slice(53), 16);
}

const DASH = 45;

/** Formats a span context as a W3C `traceparent`. */
export function formatTraceparent(spanContext: SpanContext): string {
  const flags = spanContext.traceFlags & 0xff;
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags < 16 ? '0' : ''}${flags.toString(16)}`;
}

/** The default: W3C Trace Context in `traceparent`/`tracestate`, read and written directly. */
export const w3cEnvelopeTraceContext: EnvelopeTraceContext = {
  creationContext(event) {
    // Delivered in process, the event is the object its publisher wrote: what was written is known, unless changed since.
    const written = lastInjected;
    if (event === written.event && written.traceparent === event.traceparent && written.tracestate === event.tracestate) {
      const { traceId, spanId, traceFlags, traceState } = written.spanContext as SpanContext;
      return traceState === undefined
        ? { traceId, spanId, traceFlags, isRemote: true }
        : { traceId, spanId, traceFlags, traceState, isRemote: true };
    }
    return parseTraceparent(event.traceparent, event.tracestate);
  },
  extract(base, _event, creation) {
    return trace.setSpanContext(base, creation);
  },
  inject(context, event) {
    const spanContext = trace.getSpanContext(context);
    if (spanContext === undefined || !isSpanContextValid(spanContext)) return;
    const traceparent = formatTraceparent(spanContext);
    event.traceparent = traceparent;
    const traceState = spanContext.traceState?.serialize();
    if (traceState) event.tracestate = traceState;
    lastInjected.event = event;
    lastInjected.traceparent = traceparent;
    lastInjected.tracestate = event.tracestate;
    lastInjected.spanContext = spanContext;
  },
};

/**
 * What `inject` wrote last, for an in-process consumer of the same event
 * object, which the memory transport delivers right after its publish's
 * `inject`: a freshly formatted traceparent is a V8 cons string, which reads
 * slowly character by character, and parsing it was a delivery's largest
 * cost after its span. One slot, not a WeakMap: an ephemeron per event made
 * the garbage collector the largest cost instead.
 */
const lastInjected: { event: EventEnvelope | undefined; traceparent: string; tracestate: unknown; spanContext: SpanContext | undefined } = {
  event: undefined,
  traceparent: '',
  tracestate: undefined,
  spanContext: undefined,
};

// CloudEvents extension attribute names: lowercase letters and digits.
const EXTENSION_NAME = /^[a-z0-9]{1,64}$/;

/** Reads an envelope's extension attributes as a propagation carrier; names are lowercase. */
const envelopeGetter: TextMapGetter<EventEnvelope> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key.toLowerCase()];
    return typeof value === 'string' ? value : undefined;
  },
};

/**
 * Writes extension attributes. A field that is no valid CloudEvents extension
 * name once lowercased (B3's `x-b3-traceid`) cannot travel in an envelope and
 * is skipped.
 */
const envelopeSetter: TextMapSetter<EventEnvelope> = {
  set(carrier, key, value) {
    const name = key.toLowerCase();
    if (EXTENSION_NAME.test(name)) carrier[name] = value;
  },
};

/** A custom propagator with a carrier over the envelope's extension attributes. */
export function propagatorEnvelopeTraceContext(propagator: TextMapPropagator): EnvelopeTraceContext {
  return {
    creationContext(event) {
      const spanContext = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, event, envelopeGetter));
      return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined;
    },
    extract(base, event) {
      return propagator.extract(base, event, envelopeGetter);
    },
    inject(context, event) {
      propagator.inject(context, event, envelopeSetter);
    },
  };
}
