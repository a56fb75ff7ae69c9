// `bus.asyncapi.document()` on real buses (in memory; with @bus/kafka, not started: no broker is needed to
// describe one), each document checked by the AsyncAPI project's own parser.
import { type Diagnostic, DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { BusError, createBus } from '@bus/core';
import { kafka } from '@bus/kafka';
import { createSchemaRegistry, schema } from '@bus/schema';
import { serialization } from '@bus/serialization';
import { topics } from '@bus/topics';
import { describe, expect, it } from 'vitest';
import { type AsyncApiDocument, asyncapi } from '../src/index.js';

const parser = new Parser();

/** Parses `document` with @asyncapi/parser; fails on any error and returns the parsed model and the other diagnostics. */
async function parsed(document: AsyncApiDocument) {
  const { document: model, diagnostics } = await parser.parse(JSON.stringify(document));
  const errors = diagnostics.filter((d: Diagnostic) => d.severity === DiagnosticSeverity.Error);
  expect(errors.map((d: Diagnostic) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
  if (model === undefined) throw new Error('the parser returned no document');
  return { model, diagnostics };
}

const orderCreated = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { id: { type: 'string' }, total: { type: 'number', minimum: 0 } },
  required: ['id', 'total'],
  additionalProperties: false,
};

function ordersBus() {
  const registry = createSchemaRegistry()
    .register('orders.created', { ...orderCreated, required: ['id'] }, { version: '1' })
    .register('orders.created', orderCreated, { version: '2' });
  return createBus({ source: 'orders-service' })
    .use(topics())
    .use(schema({ registry }))
    .use(asyncapi({ info: { title: 'Orders service', version: '1.4.0' }, publishes: ['orders.created'] }));
}

describe('the document of an in-memory bus', () => {
  it('is valid AsyncAPI 3.0.0: channels from published types and subscriptions, schemas from @bus/schema', async () => {
    const bus = ordersBus();
    bus.subscribe('payments.*.settled', () => {}, { group: 'orders' });
    bus.subscribe('orders.cancelled', () => {});
    await bus.start();
    await bus.publish('orders.shipped', { id: 'o-1' });
    const document = bus.asyncapi.document();
    await bus.stop();

    expect(document.asyncapi).toBe('3.0.0');
    expect(Object.keys(document.channels).sort()).toEqual([
      'orders.cancelled',
      'orders.created',
      'orders.shipped',
      'pattern.payments._.settled',
    ]);
    const { model } = await parsed(document);
    expect(model.version()).toBe('3.0.0');
    expect(model.info().title()).toBe('Orders service');

    const created = model.channels().get('orders.created');
    expect(created?.address()).toBe('orders.created');
    const message = model.components().messages().get('orders.created');
    expect(message?.contentType()).toBe('application/json');
    expect(message?.payload()?.required()).toEqual(['id', 'total']);
    expect(message?.payload()?.properties()?.total?.minimum()).toBe(0);
    expect(document.components.messages['orders.created']?.summary).toBe('Schema version 2 (registered: 1, 2).');
    // No schema registered: the payload says so rather than pretending.
    expect(document.components.messages['orders.shipped']?.payload).toEqual({ description: 'No schema is registered for this type.' });

    const operations = new Map(
      model
        .operations()
        .all()
        .map((operation) => [operation.id(), operation] as const),
    );
    expect([...operations.keys()].sort()).toEqual([
      'receive.orders.cancelled',
      'receive.pattern.payments._.settled.orders',
      'send.orders.created',
      'send.orders.shipped',
    ]);
    expect(operations.get('send.orders.shipped')?.action()).toBe('send');
    expect(operations.get('receive.orders.cancelled')?.action()).toBe('receive');
    const sent = operations.get('send.orders.created');
    expect(
      sent
        ?.messages()
        .all()
        .map((m: { name(): string | undefined }) => m.name()),
    ).toEqual(['orders.created']);
  });

  it('gives a wildcard subscription a parameterized address and the known types it matches', async () => {
    const bus = ordersBus();
    bus.subscribe('orders.#', () => {});
    bus.subscribe('audit.*', () => {});
    const document = bus.asyncapi.document();
    const { model } = await parsed(document);
    const everything = model.channels().get('pattern.orders.__');
    expect(everything?.address()).toBe('orders.{words1}');
    expect(
      everything
        ?.parameters()
        .all()
        .map((parameter) => parameter.id()),
    ).toEqual(['words1']);
    expect(
      everything
        ?.messages()
        .all()
        .map((m: { name(): string | undefined }) => m.name()),
    ).toEqual(['orders.created']);
    // No known type matches audit.*: the channel carries the generic CloudEvent message.
    expect(document.channels['pattern.audit._']?.messages).toEqual({ AnyCloudEvent: { $ref: '#/components/messages/AnyCloudEvent' } });
  });

  it('describes the CloudEvents attributes as headers, ce_type fixed per message', async () => {
    const document = ordersBus().asyncapi.document();
    const headers = document.components.schemas.CloudEventsHeaders as { required: string[]; properties: Record<string, unknown> };
    expect(headers.required).toEqual(['ce_id', 'ce_source', 'ce_type', 'ce_specversion']);
    expect(Object.keys(headers.properties)).toEqual(
      expect.arrayContaining(['ce_time', 'ce_subject', 'content-type', 'ce_partitionkey', 'ce_traceparent', 'ce_correlationid']),
    );
    const { model } = await parsed(document);
    const messageHeaders = model.components().messages().get('orders.created')?.headers();
    expect(messageHeaders?.allOf()?.[1]?.properties()?.ce_type?.const()).toBe('orders.created');
    expect(messageHeaders?.allOf()?.[0]?.required()).toEqual(['ce_id', 'ce_source', 'ce_type', 'ce_specversion']);
  });

  it('forgets a subscription once it is unsubscribed, and lists types as they are published', async () => {
    const bus = ordersBus();
    const handle = bus.subscribe('payments.refunded', () => {});
    expect(bus.asyncapi.document().operations['receive.payments.refunded']).toBeDefined();
    await bus.start();
    await handle.unsubscribe();
    expect(bus.asyncapi.document().operations['receive.payments.refunded']).toBeUndefined();
    expect(bus.asyncapi.document().channels['invoices.sent']).toBeUndefined();
    await bus.publish('invoices.sent', { id: 'i-1' });
    expect(bus.asyncapi.document().operations['send.invoices.sent']?.action).toBe('send');
    await bus.stop();
  });

  it('takes payload schemas from the options for types without a registry', async () => {
    const bus = createBus().use(
      asyncapi({
        info: { title: 'Game', version: '0.1.0', description: 'Game loop events.' },
        publishes: ['player.moved'],
        schemas: { 'player.moved': { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } } } },
      }),
    );
    const { model } = await parsed(bus.asyncapi.document());
    expect(Object.keys(model.components().messages().get('player.moved')?.payload()?.properties() ?? {})).toEqual(['x', 'y']);
    expect(model.info().description()).toBe('Game loop events.');
  });

  it('is checked for real: the parser finds the errors of a broken document', async () => {
    const document = ordersBus().asyncapi.document();
    const broken = { ...document, info: { title: 'x' }, channels: { 'bad channel': { address: 42, messages: {} } } };
    const { diagnostics } = await parser.parse(JSON.stringify(broken));
    expect(diagnostics.filter((d: Diagnostic) => d.severity === DiagnosticSeverity.Error).length).toBeGreaterThan(0);
  });

  it('converts a Standard Schema that offers a JSON Schema form, and says so when one does not', async () => {
    const standard = (vendor: string, jsonSchema?: unknown) => ({
      '~standard': {
        version: 1 as const,
        vendor,
        validate: (value: unknown) => ({ value }),
        ...(jsonSchema === undefined ? {} : { jsonSchema: { output: () => jsonSchema } }),
      },
    });
    const registry = createSchemaRegistry()
      .register('users.created', standard('zod', { type: 'object', properties: { email: { type: 'string' } } }))
      .register('users.deleted', standard('legacy'));
    const bus = createBus()
      .use(schema({ registry }))
      .use(asyncapi({ info: { title: 'Users', version: '1.0.0' }, publishes: ['users.created', 'users.deleted'] }));
    const document = bus.asyncapi.document();
    await parsed(document);
    expect(document.components.messages['users.created']?.payload).toEqual({ type: 'object', properties: { email: { type: 'string' } } });
    expect(document.components.messages['users.deleted']?.payload).toEqual({
      description: 'Validated by a Standard Schema (legacy) that has no JSON Schema form.',
    });
  });

  it('needs info.title and info.version', () => {
    expect(() => asyncapi({ info: { title: '', version: '1' } })).toThrow(BusError);
    expect(() => asyncapi({ info: { title: 'x' } as never })).toThrow(/needs info.title and info.version/);
  });
});

describe('the document of a bus on @bus/kafka', () => {
  function kafkaBus() {
    return createBus({ source: 'orders-service' })
      .use(serialization())
      .use(topics())
      .use(kafka({ brokers: '127.0.0.1:9092', groupId: 'orders', topicFor: (type) => `prod.${type}` }))
      .use(
        asyncapi({
          info: { title: 'Orders service', version: '1.4.0' },
          publishes: ['orders.created'],
          servers: { production: { host: 'kafka-1:9092', protocol: 'kafka', description: 'the production cluster' } },
        }),
      );
  }

  it("names each channel's topic (the transport's topicFor) with Kafka channel, message and operation bindings", async () => {
    const bus = kafkaBus();
    bus.subscribe('payments.settled', () => {}, { group: 'billing' });
    const document = bus.asyncapi.document();
    const { model } = await parsed(document);
    expect(model.servers().get('production')?.protocol()).toBe('kafka');
    expect(model.servers().get('production')?.host()).toBe('kafka-1:9092');
    const channel = model.channels().get('orders.created');
    expect(channel?.address()).toBe('prod.orders.created');
    expect(channel?.bindings().get('kafka')?.value()).toMatchObject({ topic: 'prod.orders.created' });
    expect(model.components().messages().get('orders.created')?.bindings().get('kafka')?.value()).toMatchObject({
      key: { type: 'string' },
    });
    const receive = model.operations().get('receive.payments.settled.billing');
    expect(receive?.bindings().get('kafka')?.value()).toMatchObject({ groupId: { type: 'string', enum: ['billing'] } });
    expect(receive?.channels().all()[0]?.address()).toBe('prod.payments.settled');
  });

  it('has no Kafka bindings without @bus/kafka', () => {
    const document = ordersBus().asyncapi.document();
    expect(document.channels['orders.created']?.bindings).toBeUndefined();
    expect(document.servers).toBeUndefined();
  });
});
