// Kafka client failures as BusErrors, and options checked when the plugin is
// made rather than when the bus starts (no broker needed).
import { BusError, createBus } from '@bus/core';
import { MultipleErrors, NetworkError, ProtocolError, UserError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { isRetryable, kafka, kafkaError, kafkaTransport } from '../src/index.js';

describe('kafkaError', () => {
  it('wraps a client error as TRANSPORT_FAILED, retryable as the client says, keeping codes and cause', () => {
    const network = new NetworkError('Connection closed');
    const wrapped = kafkaError(network, 'send event e-1', { eventId: 'e-1' });
    expect(wrapped).toBeInstanceOf(BusError);
    expect(wrapped).toMatchObject({ code: 'TRANSPORT_FAILED', eventId: 'e-1', retryable: true, cause: network });
    expect(wrapped.message).toBe('Kafka could not send event e-1: Connection closed');
    expect(wrapped.details).toMatchObject({ clientCode: 'PLT_KFK_NETWORK' });
  });

  it('is not retryable when any nested error says so, and names the broker errors inside a MultipleErrors', () => {
    const denied = new ProtocolError('TOPIC_AUTHORIZATION_FAILED');
    const wrapped = kafkaError(new MultipleErrors('Producing failed.', [new NetworkError('timeout'), denied]), 'send');
    expect(wrapped.retryable).toBe(false);
    expect(wrapped.details).toMatchObject({ clientCode: 'PLT_KFK_MULTIPLE', apiId: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(wrapped.message).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
    expect(isRetryable(new UserError('bad options'))).toBe(false);
    expect(isRetryable(new Error('not from the client'))).toBe(true); // no verdict: TRANSPORT_FAILED's default
  });

  it('passes a BusError through unchanged', () => {
    const original = new BusError('ENCODE_FAILED', 'not bytes');
    expect(kafkaError(original, 'send')).toBe(original);
  });
});

describe('options', () => {
  it.each([
    ['no brokers', { brokers: [], groupId: 'g' }, /brokers/],
    ['a broker that is not host:port', { brokers: 'localhost', groupId: 'g' }, /host:port/],
    ['no groupId', { brokers: '127.0.0.1:9092' }, /groupId/],
    ['an unknown mode', { brokers: '127.0.0.1:9092', groupId: 'g', mode: 'batch' }, /mode/],
    ['an unknown compression', { brokers: '127.0.0.1:9092', groupId: 'g', compression: 'brotli' }, /compression/],
    [
      'a heartbeat longer than the session',
      { brokers: '127.0.0.1:9092', groupId: 'g', sessionTimeoutMs: 1000, heartbeatIntervalMs: 2000 },
      /heartbeat/,
    ],
    ['a negative linger', { brokers: '127.0.0.1:9092', groupId: 'g', lingerMs: -1 }, /lingerMs/],
    ['a zero topic refresh period', { brokers: '127.0.0.1:9092', groupId: 'g', topicRefreshMs: 0 }, /topicRefreshMs/],
    ['a typeOfTopic that is no function', { brokers: '127.0.0.1:9092', groupId: 'g', typeOfTopic: 'orders' }, /typeOfTopic/],
  ])('refuses %s with PLUGIN_INVALID naming the option', (_what, options, message) => {
    expect(() => kafka(options as never)).toThrow(
      expect.objectContaining({ code: 'PLUGIN_INVALID', message: expect.stringMatching(message) }),
    );
  });

  it('makes a transport that claims its capabilities and connects nothing until start()', () => {
    const transport = kafkaTransport({ brokers: '127.0.0.1:1, 127.0.0.1:2', groupId: 'g' });
    expect(transport.name).toBe('kafka');
    expect(transport.capabilities).toEqual({
      inProcess: false,
      durable: true,
      consumerGroups: true,
      orderedPerKey: true,
      wildcards: true,
      redelivery: true,
      requiresEncodedData: true,
    });
    expect(transport.topicFor('orders.created')).toBe('orders.created');
    expect(transport.stats()).toEqual([]);
  });

  it('fails start() with TRANSPORT_FAILED when no broker answers, and the bus ends stopped', async () => {
    const bus = createBus().use(kafka({ brokers: '127.0.0.1:1', groupId: 'g', retries: 0, connectTimeoutMs: 500 }));
    const failure = await bus.start().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'TRANSPORT_FAILED' });
    expect(bus.status).toBe('stopped');
  });
});
