import { BusError, createBus, definePlugin, type EventEnvelope } from '@bus/core';
import { context, createTraceState, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS_ORDER, type MetricsOptions, metrics } from '../src/index.js';
import { busesToStop, inMemoryTelemetry, remoteTransport } from './telemetry.js';

const { started, stopAll } = busesToStop();
afterEach(stopAll);

/** A bus with tracing only, into an in-memory SDK; `remote` puts a network-like transport under it. */
function tracedBus(options: MetricsOptions & { remote?: boolean } = {}) {
  const { remote, ...pluginOptions } = options;
  const telemetry = inMemoryTelemetry();
  const bus = createBus(remote ? { transport: remoteTransport() } : {}).use(
    metrics({ tracerProvider: telemetry.tracerProvider, metrics: false, ...pluginOptions }),
  );
  const tracer = telemetry.tracerProvider.getTracer('test');
  return { bus, telemetry, tracer };
}

const traceparentOf = (span: ReadableSpan) => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;
const isChildOf = (child: ReadableSpan, parent: ReadableSpan) =>
  child.spanContext().traceId === parent.spanContext().traceId && child.parentSpanContext?.spanId === parent.spanContext().spanId;

describe('the producer span', () => {
  it("is `send <type>`, kind PRODUCER, with the messaging attributes, and its context is written into the event's traceparent", async () => {
    const { bus, telemetry } = tracedBus();
    let received: EventEnvelope | undefined;
    bus.subscribe('orders.created', (event) => {
      received = event;
    });
    await started(bus);
    const { id } = await bus.publish('orders.created', {}, { correlationId: 'flow-1' });
    const send = telemetry.span('send orders.created');
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.attributes).toEqual({
      'messaging.system.name': 'bus',
      'messaging.system': 'bus',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': 'orders.created',
      'messaging.message.id': id,
      'messaging.message.conversation_id': 'flow-1',
    });
    expect(send.status.code).toBe(SpanStatusCode.UNSET);
    expect(received?.traceparent).toBe(traceparentOf(send));
  });

  it('is a child of the active span, whose tracestate travels too', async () => {
    const { bus, telemetry, tracer } = tracedBus();
    let received: EventEnvelope | undefined;
    bus.subscribe('orders.created', (event) => {
      received = event;
    });
    await started(bus);
    const request = tracer.startSpan('POST /orders');
    // As an incoming HTTP request's traceparent and tracestate would make it:
    const incoming = trace.setSpanContext(ROOT_CONTEXT, { ...request.spanContext(), traceState: createTraceState('vendor=abc') });
    await context.with(incoming, () => bus.publish('orders.created', {}));
    request.end();
    const send = telemetry.span('send orders.created');
    expect(send.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(send.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(received?.tracestate).toBe('vendor=abc');
  });

  it('ends once the transport accepted the event: after every encode and dispatch middleware', async () => {
    const { bus, telemetry } = tracedBus();
    const seen: boolean[] = [];
    bus.use(
      definePlugin({
        name: 'late-dispatch',
        setup: (kernel) =>
          kernel.usePublish('dispatch', async function lateDispatch(_ctx, next) {
            await new Promise((resolve) => setTimeout(resolve, 5));
            seen.push(trace.getActiveSpan()?.isRecording() ?? false);
            await next();
          }),
      }),
    );
    await started(bus);
    await bus.publish('orders.created', {});
    expect(seen).toEqual([true]); // the dispatch middleware ran inside the still-open send span
    expect(telemetry.span('send orders.created').ended).toBe(true);
  });

  it('records a rejected publish: error status, the exception, and error.type', async () => {
    const { bus, telemetry } = tracedBus();
    bus.use(
      definePlugin({
        name: 'deny-all',
        setup: (kernel) =>
          kernel.usePublish('guard', function denyAll(ctx) {
            throw new BusError('ACL_DENIED', 'not allowed', { eventId: ctx.envelope.id });
          }),
      }),
    );
    await started(bus);
    await expect(bus.publish('secrets.read', {})).rejects.toMatchObject({ code: 'ACL_DENIED' });
    const send = telemetry.span('send secrets.read');
    expect(send.status).toEqual({ code: SpanStatusCode.ERROR, message: 'not allowed' });
    expect(send.attributes['error.type']).toBe('ACL_DENIED');
    expect(send.events.map((event) => event.name)).toEqual(['exception']);
  });

  it('keeps a creation context the event already carries, and links to it from a CLIENT send span', async () => {
    const { bus, telemetry, tracer } = tracedBus({ remote: true });
    const origin = tracer.startSpan('original publish');
    origin.end();
    const carried = traceparentOf(telemetry.span('original publish'));
    let received: EventEnvelope | undefined;
    bus.subscribe('orders.created', (event) => {
      received = event;
    });
    await started(bus);
    await bus.publish({ type: 'orders.created', data: {}, traceparent: carried }); // a redrive, say
    expect(received?.traceparent).toBe(carried);
    const send = telemetry.span('send orders.created');
    expect(send.kind).toBe(SpanKind.CLIENT);
    expect(send.links.map((link) => link.context.spanId)).toEqual([origin.spanContext().spanId]);
    expect(isChildOf(telemetry.span('process orders.created'), telemetry.span('original publish'))).toBe(true);
  });

  it('writes nothing when there is no valid trace context (no tracer SDK, nothing active)', async () => {
    const bus = createBus().use(metrics({ metrics: false })); // the global tracer provider: a no-op
    let received: EventEnvelope | undefined;
    bus.subscribe('a', (event) => {
      received = event;
    });
    await started(bus);
    await bus.publish('a', 1);
    expect(received).toBeDefined();
    expect(received).not.toHaveProperty('traceparent');
  });
});

describe('the consumer span', () => {
  it('is `process <type>`, kind CONSUMER, child of and linked to the producer span, across a transport that copies the event', async () => {
    const { bus, telemetry } = tracedBus({ remote: true });
    bus.subscribe('orders.created', () => undefined, { name: 'billing', group: 'billing' });
    await started(bus);
    const { id } = await bus.publish('orders.created', {});
    const send = telemetry.span('send orders.created');
    const process = telemetry.span('process orders.created');
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(isChildOf(process, send)).toBe(true);
    expect(process.links.map((link) => link.context.spanId)).toEqual([send.spanContext().spanId]);
    expect(process.attributes).toEqual({
      'messaging.system.name': 'bus',
      'messaging.system': 'bus',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'orders.created',
      'messaging.destination.subscription.name': 'billing',
      'messaging.consumer.group.name': 'billing',
      'messaging.message.id': id,
      'bus.delivery.attempt': 1,
    });
  });

  it("with processParent: 'ambient', starts from the context of the delivery and only links to the producer", async () => {
    const { bus, telemetry } = tracedBus({ remote: true, processParent: 'ambient' });
    bus.subscribe('orders.created', () => undefined);
    await started(bus);
    await bus.publish('orders.created', {});
    const send = telemetry.span('send orders.created');
    const process = telemetry.span('process orders.created');
    expect(process.parentSpanContext).toBeUndefined();
    expect(process.spanContext().traceId).not.toBe(send.spanContext().traceId);
    expect(process.links.map((link) => link.context.spanId)).toEqual([send.spanContext().spanId]);
  });

  it("runs the handler inside it: the handler's spans are its children, and what it publishes continues the trace", async () => {
    const { bus, telemetry, tracer } = tracedBus({ remote: true });
    bus.subscribe('orders.created', async () => {
      tracer.startSpan('charge card').end();
      await bus.publish('invoices.opened', {});
    });
    bus.subscribe('invoices.opened', () => undefined);
    await started(bus);
    await bus.publish('orders.created', {});
    const processOrder = telemetry.span('process orders.created');
    const sendInvoice = telemetry.span('send invoices.opened');
    expect(isChildOf(telemetry.span('charge card'), processOrder)).toBe(true);
    expect(isChildOf(sendInvoice, processOrder)).toBe(true);
    expect(isChildOf(telemetry.span('process invoices.opened'), sendInvoice)).toBe(true);
    expect(new Set(telemetry.spans().map((span) => span.spanContext().traceId)).size).toBe(1);
  });

  it('encloses the rest of the handle phase: timeouts and retries at the default order run inside one process span', async () => {
    const { bus, telemetry } = tracedBus();
    const active: (string | undefined)[] = [];
    bus.use(
      definePlugin({
        name: 'fake-retry',
        setup(kernel) {
          kernel.useDeliver('handle', async function fakeRetry(ctx, next) {
            active.push(trace.getActiveSpan()?.spanContext().spanId);
            ctx.attempt = 3; // as a retry middleware would after two failures
            await next();
          });
        },
      }),
    );
    bus.subscribe('a', () => undefined);
    await started(bus);
    await bus.publish('a', 1);
    const process = telemetry.span('process a');
    expect(active).toEqual([process.spanContext().spanId]);
    expect(process.attributes['bus.delivery.attempt']).toBe(3);
    expect(METRICS_ORDER).toBeLessThan(0);
  });

  it("records a failed delivery: error status, the exception, and error.type as the kernel's code", async () => {
    const { bus, telemetry } = tracedBus();
    bus.events.on('failed', () => undefined);
    bus.subscribe('a', async () => {
      throw new Error('card declined');
    });
    await started(bus);
    await bus.publish('a', 1);
    const process = telemetry.span('process a');
    expect(process.status).toEqual({ code: SpanStatusCode.ERROR, message: 'card declined' });
    expect(process.attributes['error.type']).toBe('HANDLER_FAILED');
    expect(process.events[0]?.attributes?.['exception.message']).toBe('card declined');
  });

  it('works for synchronous emit and handlers, which stay synchronous', async () => {
    const { bus, telemetry } = tracedBus();
    const handled: string[] = [];
    bus.subscribe('tick', (event) => void handled.push(String(event.traceparent)));
    await started(bus);
    bus.emit('tick', 1);
    expect(handled).toEqual([traceparentOf(telemetry.span('send tick'))]);
    expect(isChildOf(telemetry.span('process tick'), telemetry.span('send tick'))).toBe(true);
  });
});

describe('batches', () => {
  it('give each event a `create <type>` PRODUCER span as its creation context, which its consumers continue and link to', async () => {
    const { bus, telemetry, tracer } = tracedBus({ remote: true });
    bus.subscribe('orders.created', () => undefined);
    await started(bus);
    const caller = tracer.startSpan('import orders');
    const receipts = await context.with(trace.setSpan(context.active(), caller), () =>
      bus.publishBatch([
        { type: 'orders.created', data: 1 },
        { type: 'orders.created', data: 2 },
      ]),
    );
    caller.end();
    const creates = telemetry.spans().filter((span) => span.name === 'create orders.created');
    const processes = telemetry.spans().filter((span) => span.name === 'process orders.created');
    expect(creates.map((span) => span.kind)).toEqual([SpanKind.PRODUCER, SpanKind.PRODUCER]);
    expect(creates.map((span) => span.attributes['messaging.operation.type'])).toEqual(['create', 'create']);
    expect(creates.map((span) => span.attributes['messaging.message.id'])).toEqual(receipts.map((receipt) => receipt.id));
    expect(creates.every((span) => isChildOf(span, telemetry.span('import orders')))).toBe(true);
    for (const [index, process] of processes.entries()) {
      const create = creates.find((span) => span.attributes['messaging.message.id'] === process.attributes['messaging.message.id']);
      expect(create, `create span of event ${index}`).toBeDefined();
      expect(isChildOf(process, create as ReadableSpan)).toBe(true);
      expect(process.links[0]?.context.spanId).toBe(create?.spanContext().spanId);
    }
  });
});

describe('a custom propagator', () => {
  it('carries what it propagates (baggage, here) in the envelope as lowercase extension attributes', async () => {
    const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
    const { bus, telemetry } = tracedBus({ remote: true, propagator });
    let tenant: string | undefined;
    let received: EventEnvelope | undefined;
    bus.subscribe('orders.created', (event) => {
      received = event;
      tenant = propagation.getActiveBaggage()?.getEntry('tenant')?.value;
    });
    await started(bus);
    const baggage = propagation.createBaggage({ tenant: { value: 'acme' } });
    await context.with(propagation.setBaggage(context.active(), baggage), () => bus.publish('orders.created', {}));
    expect(received?.baggage).toBe('tenant=acme');
    expect(tenant).toBe('acme');
    expect(isChildOf(telemetry.span('process orders.created'), telemetry.span('send orders.created'))).toBe(true);
  });
});
