import { BusError, createBus, definePlugin, type EventEnvelope, memoryTransport } from '@bus/core';
import { metrics as metricsApi } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRIC_NAMES, metrics } from '../src/index.js';
import { type Aggregation, busesToStop, inMemoryTelemetry, useAggregation, valueAt, wrapTransport } from './telemetry.js';

const AGGREGATIONS: readonly Aggregation[] = ['sdk', 'producer'];

// Every specification holds on both paths: the SDK's instruments, and in-process aggregation read through a producer.
describe.each(AGGREGATIONS)('with %s aggregation', (aggregation) => {
  beforeAll(() => useAggregation(aggregation));

  const { started, stopAll } = busesToStop();
  afterEach(stopAll);

  /** A bus with metrics only, into an in-memory SDK. */
  function meteredBus(options: Parameters<typeof metrics>[0] = {}) {
    const telemetry = inMemoryTelemetry();
    const bus = createBus().use(metrics({ ...telemetry.metricsOptions, tracing: false, ...options }));
    return { bus, telemetry };
  }

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  describe('messaging.client.sent.messages', () => {
    it('counts every publish once, by event type, with messaging.system.name, operation send and destination', async () => {
      const { bus, telemetry } = meteredBus();
      await started(bus);
      await bus.publish('orders.created', {});
      await bus.publish('orders.created', {});
      bus.emit('orders.paid', {});
      const sent = await telemetry.counter(METRIC_NAMES.sentMessages);
      expect(sent).toHaveLength(2);
      expect(valueAt(sent, { 'messaging.destination.name': 'orders.created' })).toBe(2);
      expect(valueAt(sent, { 'messaging.destination.name': 'orders.paid' })).toBe(1);
      expect(sent[0]?.attributes).toEqual({
        'messaging.system.name': 'bus',
        'messaging.system': 'bus',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': 'orders.created',
      });
    });

    it('counts a rejected publish with error.type set to its BusError code', async () => {
      const { bus, telemetry } = meteredBus();
      bus.use(
        definePlugin({
          name: 'deny-secrets',
          setup: (kernel) =>
            kernel.usePublish('guard', function denySecrets(ctx, next) {
              if (ctx.envelope.type === 'secrets.read') throw new BusError('ACL_DENIED', 'no', { eventId: ctx.envelope.id });
              return next();
            }),
        }),
      );
      await started(bus);
      await bus.publish('orders.created', {});
      await expect(bus.publish('secrets.read', {})).rejects.toMatchObject({ code: 'ACL_DENIED' });
      const sent = await telemetry.counter(METRIC_NAMES.sentMessages);
      expect(valueAt(sent, { 'messaging.destination.name': 'secrets.read', 'error.type': 'ACL_DENIED' })).toBe(1);
      expect(
        sent.find((point) => point.attributes['messaging.destination.name'] === 'orders.created')?.attributes['error.type'],
      ).toBeUndefined();
    });

    it('reports a transport failure that is no BusError as TRANSPORT_FAILED, as publish rejects with', async () => {
      const telemetry = inMemoryTelemetry();
      const failing = { ...wrapTransport(memoryTransport(), 'flaky'), send: () => Promise.reject(new Error('connection reset')) };
      const bus = createBus({ transport: failing }).use(metrics({ ...telemetry.metricsOptions, tracing: false }));
      await started(bus);
      await expect(bus.publish('orders.created', {})).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
      expect(valueAt(await telemetry.counter(METRIC_NAMES.sentMessages), { 'error.type': 'TRANSPORT_FAILED' })).toBe(1);
    });

    it('counts the events of a batch once the batch is sent, and none of a batch whose events all failed', async () => {
      const { bus, telemetry } = meteredBus();
      bus.use(
        definePlugin({
          name: 'no-empty',
          setup: (kernel) =>
            kernel.usePublish('guard', function noEmpty(ctx, next) {
              if (ctx.envelope.data === undefined) throw new BusError('SCHEMA_INVALID', 'empty', { eventId: ctx.envelope.id });
              return next();
            }),
        }),
      );
      await started(bus);
      await bus.publishBatch([
        { type: 'orders.created', data: 1 },
        { type: 'orders.created', data: 2 },
      ]);
      await expect(bus.publishBatch([{ type: 'orders.created' }])).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
      const sent = await telemetry.counter(METRIC_NAMES.sentMessages);
      expect(valueAt(sent, { 'messaging.operation.name': 'send', 'messaging.destination.name': 'orders.created' })).toBe(3);
      expect(valueAt(sent, { 'error.type': 'SCHEMA_INVALID' })).toBe(1);
    });
  });

  describe('messaging.client.consumed.messages', () => {
    it('counts each delivery per subscription, with its name and consumer group', async () => {
      const { bus, telemetry } = meteredBus();
      bus.subscribe('orders.created', () => undefined, { name: 'billing' });
      bus.subscribe('orders.created', () => undefined, { name: 'shipping', group: 'shipping' });
      bus.subscribe('orders.created', () => undefined, { name: 'shipping', group: 'shipping' });
      await started(bus);
      await bus.publish('orders.created', {});
      await bus.publish('orders.created', {});
      const consumed = await telemetry.counter(METRIC_NAMES.consumedMessages);
      expect(valueAt(consumed, { 'messaging.destination.subscription.name': 'billing' })).toBe(2);
      expect(valueAt(consumed, { 'messaging.consumer.group.name': 'shipping' })).toBe(2);
      expect(consumed.find((point) => point.attributes['messaging.destination.subscription.name'] === 'billing')?.attributes).toEqual({
        'messaging.system.name': 'bus',
        'messaging.system': 'bus',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': 'orders.created',
        'messaging.destination.subscription.name': 'billing',
      });
    });

    it('marks failed deliveries with error.type: the BusError code, or HANDLER_FAILED for anything else', async () => {
      const { bus, telemetry } = meteredBus();
      bus.events.on('failed', () => undefined);
      bus.subscribe('orders.created', () => {
        throw new Error('boom');
      });
      bus.subscribe('orders.created', async () => {
        throw new BusError('HANDLER_TIMEOUT', 'slow');
      });
      await started(bus);
      await bus.publish('orders.created', {});
      const consumed = await telemetry.counter(METRIC_NAMES.consumedMessages);
      expect(valueAt(consumed, { 'error.type': 'HANDLER_FAILED' })).toBe(1);
      expect(valueAt(consumed, { 'error.type': 'HANDLER_TIMEOUT' })).toBe(1);
    });
  });

  describe('duration histograms', () => {
    it('time publishes (messaging.client.operation.duration) and deliveries (messaging.process.duration) in seconds', async () => {
      const { bus, telemetry } = meteredBus();
      bus.subscribe('orders.created', () => sleep(20));
      await started(bus);
      await bus.publish('orders.created', {});
      const metricsByName = new Map((await telemetry.collect()).map((metric) => [metric.descriptor.name, metric]));
      expect(metricsByName.get(METRIC_NAMES.operationDuration)?.descriptor.unit).toBe('s');
      expect(metricsByName.get(METRIC_NAMES.processDuration)?.descriptor.unit).toBe('s');
      const [publish] = await telemetry.histogram(METRIC_NAMES.operationDuration);
      const [process] = await telemetry.histogram(METRIC_NAMES.processDuration);
      expect(process?.value.count).toBe(1);
      expect(process?.value.sum).toBeGreaterThanOrEqual(0.015);
      expect(process?.value.sum).toBeLessThan(1);
      expect(process?.attributes['messaging.operation.name']).toBe('process');
      // In memory, the transport accepts an event once its handlers settled: the publish includes them.
      expect(publish?.value.count).toBe(1);
      expect(publish?.value.sum).toBeGreaterThanOrEqual(process?.value.sum ?? Number.POSITIVE_INFINITY);
      expect(publish?.attributes['messaging.operation.name']).toBe('send');
    });

    it('use the bucket boundaries the conventions advise, or the ones given', async () => {
      const conventional = meteredBus();
      const custom = meteredBus({ durationBuckets: [0.001, 0.1] });
      for (const { bus } of [conventional, custom]) {
        bus.subscribe('a', () => undefined);
        await started(bus);
        await bus.publish('a', 1);
      }
      const [standard] = await conventional.telemetry.histogram(METRIC_NAMES.processDuration);
      const [given] = await custom.telemetry.histogram(METRIC_NAMES.processDuration);
      expect(standard?.value.buckets.boundaries).toEqual([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
      expect(given?.value.buckets.boundaries).toEqual([0.001, 0.1]);
    });
  });

  describe('bus signals', () => {
    it('bus.messages.failed counts every failed delivery, also those failed before the handle phase', async () => {
      const { bus, telemetry } = meteredBus();
      bus.use(
        definePlugin({
          name: 'reject-drafts',
          setup: (kernel) =>
            kernel.useDeliver('guard', function rejectDrafts(ctx, next) {
              if (ctx.event.subject === 'draft') throw new BusError('SCHEMA_INVALID', 'draft');
              return next();
            }),
        }),
      );
      const failures: string[] = [];
      bus.events.on('failed', (error) => void failures.push(error.code));
      bus.subscribe(
        'orders.created',
        () => {
          throw new Error('boom');
        },
        { name: 'billing', group: 'billing' },
      );
      await started(bus);
      await bus.publish('orders.created', {}, { subject: 'draft' });
      await bus.publish('orders.created', {});
      expect(failures).toEqual(['SCHEMA_INVALID', 'HANDLER_FAILED']);
      const failed = await telemetry.counter(METRIC_NAMES.failedMessages);
      const attributes = {
        'messaging.system.name': 'bus',
        'messaging.destination.name': 'orders.created',
        'messaging.destination.subscription.name': 'billing',
        'messaging.consumer.group.name': 'billing',
      };
      expect(valueAt(failed, { ...attributes, 'error.type': 'SCHEMA_INVALID' })).toBe(1);
      expect(valueAt(failed, { ...attributes, 'error.type': 'HANDLER_FAILED' })).toBe(1);
      // Only the failure that reached the handler counts as consumed.
      expect(valueAt(await telemetry.counter(METRIC_NAMES.consumedMessages), {})).toBe(1);
    });

    it('bus.messages.dropped and bus.messages.dead_lettered count the dropped and deadLettered signals', async () => {
      const { bus, telemetry } = meteredBus();
      const subscription = bus.subscribe('orders.created', () => undefined, { name: 'billing' });
      await started(bus);
      const event: EventEnvelope = { id: 'e-1', source: 'test', type: 'orders.created', specversion: '1.0', data: {} };
      bus.events.emit('dropped', { event, error: new BusError('BACKPRESSURE_REJECTED', 'full'), subscription });
      bus.events.emit('dropped', { event, error: new BusError('BACKPRESSURE_REJECTED', 'full') });
      bus.events.emit('deadLettered', { event, error: new BusError('HANDLER_FAILED', 'boom'), attempts: 3, subscription });
      const dropped = await telemetry.counter(METRIC_NAMES.droppedMessages);
      expect(valueAt(dropped, { 'error.type': 'BACKPRESSURE_REJECTED', 'messaging.destination.name': 'orders.created' })).toBe(2);
      expect(valueAt(dropped, { 'messaging.destination.subscription.name': 'billing' })).toBe(1);
      const deadLettered = await telemetry.counter(METRIC_NAMES.deadLetteredMessages);
      expect(valueAt(deadLettered, { 'error.type': 'HANDLER_FAILED', 'messaging.destination.subscription.name': 'billing' })).toBe(1);
    });

    it("keeps the kernel's log of failures nobody listens to, and stays quiet once the application listens", async () => {
      const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
      const telemetry = inMemoryTelemetry();
      const bus = createBus({ logger }).use(metrics({ ...telemetry.metricsOptions, tracing: false }));
      bus.subscribe('a', () => {
        throw new Error('boom');
      });
      await started(bus);
      await bus.publish('a', 1);
      expect(logger.error).toHaveBeenCalledTimes(1);
      expect(logger.error.mock.calls[0]?.[1]).toContain('listen to bus.events "failed"');
      bus.events.on('failed', () => undefined);
      await bus.publish('a', 1);
      expect(logger.error).toHaveBeenCalledTimes(1);
    });
  });

  describe('in-flight deliveries', () => {
    it('bus.deliveries.in_flight reports the deliveries in the handle phase now, per subscription; bus.metrics.inFlight() too', async () => {
      const { bus, telemetry } = meteredBus();
      const release = Promise.withResolvers<void>();
      bus.subscribe('jobs.run', () => release.promise, { name: 'worker', group: 'workers' });
      const idle = bus.subscribe('jobs.run', () => undefined, { name: 'auditor' });
      await started(bus);
      const publishing = [bus.publish('jobs.run', 1), bus.publish('jobs.run', 2)];
      await Promise.resolve();
      const during = await telemetry.counter(METRIC_NAMES.inFlightDeliveries);
      expect(valueAt(during, { 'messaging.destination.subscription.name': 'worker', 'messaging.consumer.group.name': 'workers' })).toBe(2);
      expect(valueAt(during, { 'messaging.destination.subscription.name': 'auditor' })).toBe(0);
      expect(bus.metrics.inFlight()).toEqual(
        new Map([
          ['worker', 2],
          ['auditor', 0],
        ]),
      );
      release.resolve();
      await Promise.all(publishing);
      expect(valueAt(await telemetry.counter(METRIC_NAMES.inFlightDeliveries), {})).toBe(0);
      await idle.unsubscribe();
      expect(bus.metrics.inFlight()).toEqual(new Map([['worker', 0]]));
    });
  });

  describe('after stop()', () => {
    it("still reports the counts, so the exporter's final collection has them", async () => {
      const { bus, telemetry } = meteredBus();
      bus.subscribe('a', () => undefined);
      await started(bus);
      await bus.publish('a', 1);
      await bus.stop();
      expect(valueAt(await telemetry.counter(METRIC_NAMES.sentMessages), {})).toBe(1);
      expect(valueAt(await telemetry.counter(METRIC_NAMES.consumedMessages), {})).toBe(1);
    });
  });

  describe('attributes', () => {
    it('never include the message id on metrics: one series per event would be unbounded', async () => {
      const { bus, telemetry } = meteredBus();
      bus.subscribe('a', () => undefined);
      await started(bus);
      await bus.publish('a', 1, { correlationId: 'flow-1' });
      await bus.publish('a', 2);
      for (const metric of await telemetry.collect()) {
        for (const point of metric.dataPoints) {
          expect(point.attributes).not.toHaveProperty('messaging.message.id');
          expect(point.attributes).not.toHaveProperty('messaging.message.conversation_id');
        }
      }
    });

    it("name the system 'bus' by default, 'kafka' over a transport named kafka, or as given", async () => {
      const systemOf = async (bus: ReturnType<typeof meteredBus>['bus'], telemetry: ReturnType<typeof inMemoryTelemetry>) => {
        await started(bus);
        await bus.publish('a', 1);
        return (await telemetry.counter(METRIC_NAMES.sentMessages))[0]?.attributes['messaging.system.name'];
      };
      const plain = meteredBus();
      expect(await systemOf(plain.bus, plain.telemetry)).toBe('bus');
      const telemetry = inMemoryTelemetry();
      const overKafka = createBus({ transport: wrapTransport(memoryTransport(), 'kafka') }).use(
        metrics({ ...telemetry.metricsOptions, tracing: false }),
      );
      expect(await systemOf(overKafka, telemetry)).toBe('kafka');
      const named = meteredBus({ system: 'rabbitmq' });
      expect(await systemOf(named.bus, named.telemetry)).toBe('rabbitmq');
    });
  });

  describe('providers and options', () => {
    it('use the global meter provider by default, as registered when the bus starts', async () => {
      const telemetry = inMemoryTelemetry();
      // The producer, if any, still comes with the options: a reader cannot be found from the global provider.
      const bus = createBus().use(metrics({ tracing: false, ...(telemetry.producer ? { producer: telemetry.producer } : {}) }));
      metricsApi.setGlobalMeterProvider(telemetry.meterProvider);
      try {
        await started(bus);
        await bus.publish('a', 1);
        expect(valueAt(await telemetry.counter(METRIC_NAMES.sentMessages), {})).toBe(1);
      } finally {
        metricsApi.disable();
      }
    });

    it('add up the counts of buses that share a meter provider, and keep systems apart', async () => {
      const telemetry = inMemoryTelemetry();
      const buses = [undefined, undefined, 'kafka'].map((system) => {
        const bus = createBus().use(metrics({ ...telemetry.metricsOptions, tracing: false, ...(system ? { system } : {}) }));
        bus.subscribe('a', () => undefined, { name: 'worker' });
        return bus;
      });
      for (const bus of buses) {
        await started(bus);
        await bus.publish('a', 1);
      }
      const sent = await telemetry.counter(METRIC_NAMES.sentMessages);
      expect(valueAt(sent, { 'messaging.system.name': 'bus' })).toBe(2);
      expect(valueAt(sent, { 'messaging.system.name': 'kafka' })).toBe(1);
      expect(valueAt(await telemetry.counter(METRIC_NAMES.consumedMessages), { 'messaging.system.name': 'bus' })).toBe(2);
      expect(valueAt(await telemetry.counter(METRIC_NAMES.inFlightDeliveries), { 'messaging.system.name': 'bus' })).toBe(0);
    });

    it('record nothing with metrics: false', async () => {
      const { bus, telemetry } = meteredBus({ metrics: false });
      bus.subscribe('a', () => undefined);
      await started(bus);
      await bus.publish('a', 1);
      expect(await telemetry.collect()).toEqual([]);
    });

    it('reject invalid options with PLUGIN_INVALID', () => {
      expect(() => metrics({ system: '' })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
      expect(() => metrics({ durationBuckets: [1, 0.5] })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
      expect(() => metrics({ processParent: 'parent' as never })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
      expect(() => metrics({ propagator: {} as never })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    });
  });
});
