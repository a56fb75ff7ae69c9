import type { EventEnvelope } from '@bus/core';
import { createTraceState, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, type SpanContext, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent, w3cEnvelopeTraceContext } from '../src/trace-context.js';

const w3c = new W3CTraceContextPropagator();
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

/** What @opentelemetry/core's W3C propagator makes of these headers. */
function reference(traceparent: string, tracestate?: string): SpanContext | undefined {
  const headers: Record<string, string> = { traceparent };
  if (tracestate !== undefined) headers.tracestate = tracestate;
  return trace.getSpanContext(w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
}

describe('the W3C trace context in envelopes', () => {
  it.each([
    [`00-${TRACE_ID}-${SPAN_ID}-01`, 'sampled'],
    [`00-${TRACE_ID}-${SPAN_ID}-00`, 'not sampled'],
    [`01-${TRACE_ID}-${SPAN_ID}-09-future-fields`, 'a later version with more fields'],
    [` 00-${TRACE_ID}-${SPAN_ID}-01 `, 'one space around'],
  ])('reads %s (%s) as @opentelemetry/core does', (traceparent) => {
    const ours = parseTraceparent(traceparent, 'a=1,b=2');
    const theirs = reference(traceparent, 'a=1,b=2');
    expect(ours).toMatchObject({ traceId: theirs?.traceId, spanId: theirs?.spanId, traceFlags: theirs?.traceFlags, isRemote: true });
    expect(ours?.traceState?.serialize()).toBe(theirs?.traceState?.serialize());
  });

  it.each([
    [`ff-${TRACE_ID}-${SPAN_ID}-01`, 'version ff'],
    [`00-${'0'.repeat(32)}-${SPAN_ID}-01`, 'an all-zero trace id'],
    [`00-${TRACE_ID}-${'0'.repeat(16)}-01`, 'an all-zero span id'],
    [`00-${TRACE_ID}-${SPAN_ID}-01-extra`, 'version 00 with a fifth field'],
    [`00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`, 'upper case'],
    ['garbage', 'garbage'],
  ])('ignores %s (%s), as @opentelemetry/core does', (traceparent) => {
    expect(parseTraceparent(traceparent, undefined)).toBeUndefined();
    expect(reference(traceparent)).toBeUndefined();
  });

  it('reads random version-00 traceparents, and near misses, as @opentelemetry/core does', () => {
    const alphabet = '0123456789abcdef0A-';
    for (let i = 0; i < 500; i++) {
      const pick = (length: number, chars: string) =>
        Array.from({ length }, () => chars[Math.floor(Math.random() * chars.length)] as string).join('');
      // Mostly valid ids, with the odd zero run, upper-case letter or dash.
      const traceId = i % 7 === 0 ? '0'.repeat(32) : pick(32, i % 5 === 0 ? alphabet : '0123456789abcdef');
      const spanId = i % 11 === 0 ? '0'.repeat(16) : pick(16, i % 3 === 0 ? alphabet : '0123456789abcdef');
      const traceparent = `00-${traceId}-${spanId}-${pick(2, '0123456789abcdef')}`;
      const theirs = reference(traceparent);
      const ours = parseTraceparent(traceparent, undefined);
      expect(ours === undefined ? undefined : { traceId: ours.traceId, spanId: ours.spanId, traceFlags: ours.traceFlags }).toEqual(
        theirs === undefined ? undefined : { traceId: theirs.traceId, spanId: theirs.spanId, traceFlags: theirs.traceFlags },
      );
    }
  });

  it('ignores a traceparent that is not a string', () => {
    expect(parseTraceparent(42, undefined)).toBeUndefined();
  });

  it('writes what @opentelemetry/core writes', () => {
    for (const traceFlags of [0, 1]) {
      const spanContext: SpanContext = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags, traceState: createTraceState('vendor=abc') };
      const headers: Record<string, string> = {};
      w3c.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), headers, defaultTextMapSetter);
      const event = { type: 'a' } as EventEnvelope;
      w3cEnvelopeTraceContext.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), event);
      expect(event.traceparent).toBe(headers.traceparent);
      expect(event.tracestate).toBe(headers.tracestate);
      expect(formatTraceparent(spanContext)).toBe(headers.traceparent);
    }
  });
});
