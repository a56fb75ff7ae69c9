// Soak: a steady rate through the standard stack (topics, schema, context, metrics with an OpenTelemetry reader,
// resilience) and Kafka, into a consumer group of two, with the broker restarted periodically. Prints the RSS and
// heap over time, the delivery latency (p50, p99, max) and the counts; asserts nothing acknowledged is lost and
// the heap does not grow without bound. Every CI runs a short version (BUS_SOAK_MS, default 60 s, one restart);
// `pnpm test:soak` runs the 10 minutes of issue 18 (a restart every 2 minutes).
import { context } from '@bus/context';
import { type Bus, createBus } from '@bus/core';
import { metrics, metricsProducer } from '@bus/metrics';
import { resilience } from '@bus/resilience';
import { createSchemaRegistry, schema } from '@bus/schema';
import { topics } from '@bus/topics';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { kafka } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { ownBroker } from './support/own-broker.js';
import { sleep, waitUntil } from './support/wait.js';

const SOAK_MS = Number(process.env.BUS_SOAK_MS ?? 60_000);
const RESTART_EVERY_MS = Number(process.env.BUS_SOAK_RESTART_MS ?? (SOAK_MS >= 300_000 ? 120_000 : SOAK_MS / 2));
const RATE = 200; // events per second
const SAMPLE_MS = Math.max(5_000, SOAK_MS / 20);

class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const ownedBroker = ownBroker();

describe('soak', () => {
  it(
    `carries a steady ${RATE} events/s for ${SOAK_MS / 1000} s through the standard stack and Kafka, with broker restarts, losing nothing`,
    async () => {
      const broker = ownedBroker();
      const type = 'soak.orders.created';
      const registry = createSchemaRegistry().register(
        type,
        { type: 'object', required: ['n', 'sentAt'], properties: { n: { type: 'integer' }, sentAt: { type: 'number' } } },
        { version: '1' },
      );
      const producer = metricsProducer();
      const reader = new OnDemandReader({ metricProducers: [producer] });
      const meterProvider = new MeterProvider({ readers: [reader] });
      const stack = (name: string) =>
        createBus({ source: `urn:bus:soak:${name}` })
          .use(topics())
          .use(schema({ registry }))
          .use(context())
          .use(metrics({ producer, meterProvider, tracing: false }))
          .use(resilience({ retry: { maxAttempts: 3, initialDelayMs: 5 } }))
          .use(jsonTestCodec())
          .use(
            kafka({
              brokers: [broker.address],
              groupId: 'soak',
              ensureTopics: { partitions: 4, replicationFactor: 1 },
              sessionTimeoutMs: 6_000,
              heartbeatIntervalMs: 500,
              retries: 20,
              retryDelayMs: 250,
            }),
          );
      const latencies: number[] = [];
      const consumed = new Map<number, number>();
      const consumers: Bus[] = [];
      for (const name of ['c1', 'c2']) {
        const bus = stack(name);
        bus.events.on('error', () => undefined); // restarts make transport errors; the counts below are the check
        bus.subscribe<{ n: number; sentAt: number }>(
          'soak.#',
          (event) => {
            latencies.push(Date.now() - event.data.sentAt);
            consumed.set(event.data.n, (consumed.get(event.data.n) ?? 0) + 1);
          },
          { group: 'soak.consumers' },
        );
        await bus.start();
        consumers.push(bus);
      }
      const publisher = stack('publisher');
      publisher.events.on('error', () => undefined);
      await publisher.start();
      await publisher.kafka.ensureTopics([type]);

      const acknowledged = new Set<number>();
      let rejected = 0;
      let n = 0;
      const samples: string[] = [];
      const heap: number[] = [];
      const started = Date.now();
      const sample = () => {
        const { rss, heapUsed } = process.memoryUsage();
        heap.push(heapUsed);
        samples.push(
          `${Math.round((Date.now() - started) / 1000)}s rss ${Math.round(rss / 2 ** 20)} MB heap ${Math.round(heapUsed / 2 ** 20)} MB`,
        );
      };
      sample();
      const sampler = setInterval(sample, SAMPLE_MS);
      let restarts = 0;
      const restarter = (async () => {
        for (let at = RESTART_EVERY_MS; at < SOAK_MS - 5_000; at += RESTART_EVERY_MS) {
          await sleep(Math.max(0, started + at - Date.now()));
          await broker.stop();
          await sleep(2_000);
          await broker.start();
          restarts++;
        }
      })();
      const inFlight = new Set<Promise<void>>();
      while (Date.now() - started < SOAK_MS) {
        const tick = Date.now();
        for (let i = 0; i < RATE / 10; i++) {
          const m = n++;
          const sent = publisher.publish(type, { n: m, sentAt: Date.now() }, { key: `k${m % 50}` }).then(
            () => void acknowledged.add(m),
            () => void rejected++,
          );
          inFlight.add(sent);
          void sent.finally(() => inFlight.delete(sent));
        }
        await sleep(Math.max(0, 100 - (Date.now() - tick)));
      }
      await Promise.all(inFlight);
      await restarter;
      await waitUntil(
        () => [...acknowledged].every((m) => consumed.has(m)),
        120_000,
        () => `every acknowledged event consumed; ${consumed.size} of ${acknowledged.size}`,
      );
      clearInterval(sampler);
      sample();
      await reader.collect(); // the metrics pipeline ran all along: collecting must work at the end too
      await publisher.stop();
      for (const bus of consumers) await bus.stop();

      const lost = [...acknowledged].filter((m) => !consumed.has(m));
      const duplicates = [...consumed.values()].reduce((sum, count) => sum + count - 1, 0);
      const sorted = [...latencies].sort((a, b) => a - b);
      const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
      const warm = heap[Math.min(2, heap.length - 1)] as number;
      const growthMb = ((heap.at(-1) as number) - warm) / 2 ** 20;
      console.log(
        `[fault soak] ${SOAK_MS / 1000} s at ${RATE}/s, ${restarts} broker restarts; published ${n}, acknowledged ${acknowledged.size}, rejected ${rejected}, ` +
          `consumed ${consumed.size} distinct, lost ${lost.length}, duplicates ${duplicates}; latency p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${sorted.at(-1)} ms; ` +
          `heap after warm-up to end ${growthMb.toFixed(1)} MB\n[fault soak] memory: ${samples.join(' | ')}`,
      );
      expect(restarts).toBeGreaterThanOrEqual(1);
      expect(lost).toEqual([]);
      expect(acknowledged.size).toBeGreaterThan(n / 2);
      expect(growthMb).toBeLessThan(150);
    },
    SOAK_MS + 300_000,
  );
});
