import { BusError } from '@bus/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBus, OverflowError } from '../src/engineer.js';

/** An XML element as the legacy test's `ET.fromstring` gave it: a tag and its attributes. */
interface XmlElement {
  readonly tag: string;
  readonly attrib: Record<string, string>;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const XML_UNESCAPES: Record<string, string> = Object.fromEntries(Object.entries(XML_ESCAPES).map(([char, entity]) => [entity, char]));

/** `ET.tostring(ET.Element('root', data))`, with node built-ins: `<root a="1" b="2"/>` as UTF-8 bytes. */
function toXml(data: Record<string, string>): Uint8Array {
  const attributes = Object.entries(data).map(
    ([name, value]) => ` ${name}="${value.replace(/[&<>"']/g, (char) => XML_ESCAPES[char] ?? char)}"`,
  );
  return Buffer.from(`<root${attributes.join('')} />`, 'utf8');
}

/** `ET.fromstring(bytes)` for one empty element with attributes. */
function fromXml(bytes: Uint8Array): XmlElement {
  const text = Buffer.from(bytes).toString('utf8');
  const element = /^<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"]*")*)\s*\/>$/.exec(text);
  if (element === null) throw new Error(`not a single empty XML element: ${text}`);
  const attrib: Record<string, string> = {};
  for (const [, name, value] of (element[2] ?? '').matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
    attrib[name as string] = (value as string).replace(/&(?:amp|lt|gt|quot|apos);/g, (entity) => XML_UNESCAPES[entity] ?? entity);
  }
  return { tag: element[1] as string, attrib };
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

let bus: EventBus;

beforeEach(() => {
  // The legacy fixture: a bus with JSON and XML serializers.
  bus = new EventBus();
  bus.registerSerializer(
    'json',
    (data: unknown) => Buffer.from(JSON.stringify(data), 'utf8'),
    (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown,
  );
  bus.registerSerializer('xml', toXml, fromXml);
  vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('legacy tests (healthcare_engineer/test_event_bus.py)', () => {
  it('generates documentation with openapi and a python sdk', () => {
    const docs = bus.generateDocumentation();
    expect(docs).toHaveProperty('openapi');
    expect(docs.sdks).toContain('python');
  });

  it('encrypts and decrypts bytes', () => {
    const plaintext = Buffer.from('patient data');
    const ciphertext = bus.encryptPayload(plaintext);
    expect(ciphertext).toBeInstanceOf(Uint8Array);
    expect(bus.decryptPayload(ciphertext)).toEqual(plaintext);
  });

  it('round-trips JSON through the json serializer', () => {
    const data = { a: 1 };
    const bytes = bus.serialize('json', data);
    expect(bus.deserialize('json', bytes)).toEqual(data);
  });

  it('round-trips XML attributes through the xml serializer', () => {
    const bytes = bus.serialize('xml', { id: '123', name: 'John' });
    const element = bus.deserialize('xml', bytes) as XmlElement;
    expect(element.tag).toBe('root');
    expect(element.attrib.id).toBe('123');
    expect(element.attrib.name).toBe('John');
  });

  it('authorizes a token whose scopes cover the topic scopes only', () => {
    bus.setTopicScopes('lab_results', ['read']);
    const token = bus.createToken('alice', ['read', 'write']);
    expect(bus.authorizeUser(token, 'lab_results')).toBe(true);
    const badToken = bus.createToken('bob', ['write']);
    expect(bus.authorizeUser(badToken, 'lab_results')).toBe(false);
  });

  it('propagates context into a copy of the event', () => {
    const event = { type: 'lab' };
    const ctx = { patient_id: 'p1', consent: true };
    const newEvent = bus.propagateContext(event, ctx);
    expect(newEvent._context).toEqual(ctx);
    expect(newEvent.type).toBe('lab');
  });

  it('balances load round robin: w1, w2, w1', () => {
    bus.configureWorkers('transforms', ['w1', 'w2']);
    const evt = { x: 1 };
    expect([bus.balanceLoad('transforms', evt), bus.balanceLoad('transforms', evt), bus.balanceLoad('transforms', evt)]).toEqual([
      'w1',
      'w2',
      'w1',
    ]);
  });

  it('validates against the schema and counts validation errors', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] };
    bus.registerSchema('topic1', schema);
    expect(bus.validateSchema('topic1', { a: 5 })).toBe(true);
    expect(bus.validateSchema('topic1', { b: 1 })).toBe(false);
    expect(bus.exposeMetrics().validationErrors).toBe(1);
  });

  it('throws OverflowError when the backpressure queue is full', () => {
    const topic = 'tp';
    bus.registerSchema(topic, {});
    bus.setBackpressure(topic, { maxSize: 1 });
    bus.controlBackpressure(topic);
    expect(() => bus.controlBackpressure(topic)).toThrow(OverflowError);
  });

  it('sets up clustering nodes', () => {
    const nodes = ['n1', 'n2', 'n3'];
    bus.setupClustering(nodes);
    expect(bus.clusterNodes).toEqual(nodes);
  });

  it('exposes metrics, including the caller’s own', () => {
    bus.metricsData.eventCount = 10;
    bus.metricsData.processingLatencies.push(0.123);
    const met = bus.exposeMetrics();
    expect(met.eventCount).toBe(10);
    expect(met.processingLatencies).toContain(0.123);
  });
});

describe('serializers', () => {
  it('round-trips XML attributes with markup characters in them', () => {
    const data = { note: `a < b & "c" > 'd'`, empty: '' };
    expect((bus.deserialize('xml', bus.serialize('xml', data)) as XmlElement).attrib).toEqual(data);
  });

  it('throws ENCODE_FAILED / DECODE_FAILED for an unknown serializer (the legacy KeyError)', () => {
    expect(caught(() => bus.serialize('yaml', {}))).toMatchObject({ code: 'ENCODE_FAILED', message: "Serializer 'yaml' not found" });
    expect(caught(() => bus.deserialize('yaml', ''))).toMatchObject({ code: 'DECODE_FAILED', details: { serializer: 'yaml' } });
  });

  it('wraps a failing encoder or decoder, keeping the cause', () => {
    const encodeError = caught(() => bus.serialize('json', { big: 1n })) as BusError;
    expect(encodeError).toBeInstanceOf(BusError);
    expect(encodeError.code).toBe('ENCODE_FAILED');
    expect(encodeError.cause).toBeInstanceOf(TypeError);
    const decodeError = caught(() => bus.deserialize('xml', Buffer.from('<not xml'))) as BusError;
    expect(decodeError.code).toBe('DECODE_FAILED');
    expect((decodeError.cause as Error).message).toMatch(/not a single empty XML element/);
  });

  it('replaces a serializer registered again under the same name', () => {
    bus.registerSerializer(
      'json',
      (data: unknown) => `v2:${JSON.stringify(data)}`,
      (text: string) => JSON.parse(text.slice(3)) as unknown,
    );
    expect(bus.serialize('json', [1])).toBe('v2:[1]');
  });
});

describe('identity "encryption"', () => {
  it('returns the very value given, both ways', () => {
    const payload = { mrn: 'p-1' };
    expect(bus.encryptPayload(payload)).toBe(payload);
    expect(bus.decryptPayload(payload)).toBe(payload);
  });
});

describe('scopes and tokens', () => {
  it('authorizes any token for a topic without scopes', () => {
    expect(bus.authorizeUser(bus.createToken('carol', []), 'vitals')).toBe(true);
  });

  it('replaces the scopes of a topic set again', () => {
    bus.setTopicScopes('lab_results', ['read']);
    bus.setTopicScopes('lab_results', ['read', 'phi']);
    expect(bus.authorizeUser(bus.createToken('alice', ['read']), 'lab_results')).toBe(false);
    expect(bus.authorizeUser(bus.createToken('alice', ['phi', 'read']), 'lab_results')).toBe(true);
  });

  it('copies the scopes into the token', () => {
    const scopes = ['read'];
    const token = bus.createToken('alice', scopes);
    scopes.push('write');
    expect(token).toEqual({ user: 'alice', scopes: ['read'] });
  });
});

describe('logger', () => {
  it("is the bus's logger: a failure nobody handles is logged on it", async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const clinic = new EventBus({ logger });
    clinic.bus.subscribe('lab', () => {
      throw new Error('handler down');
    });
    await clinic.bus.start();
    await clinic.bus.publish('lab', { a: 1 });
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ code: 'HANDLER_FAILED' }), expect.stringContaining('handler down'));
    await clinic.bus.stop();
  });
});

describe('context, workers, clustering, metrics', () => {
  it('leaves the original event untouched', () => {
    const event = { type: 'lab' };
    bus.propagateContext(event, { patient_id: 'p1' });
    expect(event).toEqual({ type: 'lab' });
  });

  it('returns undefined for a worker pool that does not exist or is empty', () => {
    bus.configureWorkers('empty', []);
    expect(bus.balanceLoad('missing', {})).toBeUndefined();
    expect(bus.balanceLoad('empty', {})).toBeUndefined();
  });

  it('starts the rotation over when workers are configured again', () => {
    bus.configureWorkers('t', ['w1', 'w2']);
    bus.balanceLoad('t', {});
    bus.configureWorkers('t', ['w3', 'w4']);
    expect(bus.balanceLoad('t', {})).toBe('w3');
  });

  it('copies the cluster nodes', () => {
    const nodes = ['n1'];
    bus.setupClustering(nodes);
    nodes.push('n2');
    expect(bus.clusterNodes).toEqual(['n1']);
  });

  it('exposes a copy of the metrics: changing it leaves metricsData alone', () => {
    const metrics = bus.exposeMetrics();
    metrics.validationErrors = 99;
    expect(bus.metricsData.validationErrors).toBe(0);
    expect(metrics).toEqual({ validationErrors: 99, processingLatencies: [] });
  });
});

describe('schemas', () => {
  it('counts a topic without a schema as a validation error, as the legacy bus did', () => {
    expect(bus.validateSchema('unknown', {})).toBe(false);
    expect(bus.metricsData.validationErrors).toBe(1);
  });

  it('validates against the schema registered last for a topic', () => {
    bus.registerSchema('lab', { type: 'object', required: ['a'] });
    bus.registerSchema('lab', { type: 'object', required: ['b'] });
    expect(bus.validateSchema('lab', { b: 1 })).toBe(true);
    expect(bus.validateSchema('lab', { a: 1 })).toBe(false);
  });

  it('checks string and number properties, and that the payload is an object', () => {
    bus.registerSchema('lab', { type: 'object', properties: { test: { type: 'string' }, value: { type: 'number' } } });
    expect(bus.validateSchema('lab', { test: 'glucose', value: 7.2 })).toBe(true);
    expect(bus.validateSchema('lab', { test: 7 })).toBe(false);
    expect(bus.validateSchema('lab', { value: '7.2' })).toBe(false);
    expect(bus.validateSchema('lab', 'glucose')).toBe(false);
    expect(bus.exposeMetrics().validationErrors).toBe(3);
  });

  it('enforces the registered schemas on events published through bus.bus', async () => {
    bus.registerSchema('lab.result', { type: 'object', required: ['value'] });
    const seen: unknown[] = [];
    bus.bus.subscribe('lab.#', (event) => void seen.push(event.data));
    await bus.bus.start();
    await bus.bus.publish('lab.result', { value: 7.2 });
    await expect(bus.bus.publish('lab.result', { unit: 'mmol/L' })).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
    expect(seen).toEqual([{ value: 7.2 }]);
    await bus.bus.stop();
  });
});

describe('backpressure', () => {
  it('is an OverflowError and a BusError with code BACKPRESSURE_REJECTED', () => {
    bus.setBackpressure('tp', { maxSize: 1 });
    bus.controlBackpressure('tp');
    const error = caught(() => bus.controlBackpressure('tp'));
    expect(error).toBeInstanceOf(OverflowError);
    expect(error).toBeInstanceOf(BusError);
    expect(error).toMatchObject({
      name: 'OverflowError',
      code: 'BACKPRESSURE_REJECTED',
      retryable: true,
      message: 'Backpressure overflow',
      details: { topic: 'tp', maxSize: 1 },
    });
  });

  it('admits maxSize calls, returning true', () => {
    bus.setBackpressure('tp', { maxSize: 2 });
    expect([bus.controlBackpressure('tp'), bus.controlBackpressure('tp')]).toEqual([true, true]);
    expect(() => bus.controlBackpressure('tp')).toThrow(OverflowError);
  });

  it('admits nothing with the default maxSize of 0', () => {
    bus.setBackpressure('tp');
    expect(() => bus.controlBackpressure('tp')).toThrow(OverflowError);
  });

  it('always admits on a topic without backpressure', () => {
    for (let i = 0; i < 3; i++) expect(bus.controlBackpressure('free')).toBe(true);
  });

  it('keeps what was admitted when the limit changes', () => {
    bus.setBackpressure('tp', { maxSize: 1 });
    bus.controlBackpressure('tp');
    bus.setBackpressure('tp', { maxSize: 2 });
    bus.controlBackpressure('tp');
    expect(() => bus.controlBackpressure('tp')).toThrow(OverflowError);
  });

  it('empties the topic queue when a schema is registered for it, as the legacy method did', () => {
    bus.setBackpressure('tp', { maxSize: 1 });
    bus.controlBackpressure('tp');
    bus.registerSchema('tp', {});
    expect(bus.controlBackpressure('tp')).toBe(true);
  });
});

describe('bad input', () => {
  it('refuses a serializer without two functions with CONFIG_INVALID', () => {
    expect(caught(() => bus.registerSerializer('csv', 'encode' as never, (b: unknown) => b))).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('refuses a string where a list of names is expected, with CONFIG_INVALID', () => {
    expect(caught(() => bus.setTopicScopes('lab', 'read'))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(caught(() => bus.createToken('alice', 'read'))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(caught(() => bus.configureWorkers('t', 'w1'))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(caught(() => bus.setupClustering('n1'))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(caught(() => bus.setTopicScopes('lab', [1] as never))).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('refuses a user that is not a string with CONFIG_INVALID', () => {
    expect(caught(() => bus.createToken(7 as never, []))).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('refuses a value that is not a token with ACL_DENIED', () => {
    bus.setTopicScopes('lab', ['read']);
    expect(caught(() => bus.authorizeUser(null as never, 'lab'))).toMatchObject({
      code: 'ACL_DENIED',
      details: { reason: 'invalid-token' },
    });
    expect(caught(() => bus.authorizeUser({ user: 'eve', scopes: 'read' } as never, 'lab'))).toMatchObject({ code: 'ACL_DENIED' });
  });

  it('refuses to propagate context into something that is not an event object, with INVALID_EVENT', () => {
    expect(caught(() => bus.propagateContext(null as never, {}))).toMatchObject({ code: 'INVALID_EVENT' });
    expect(caught(() => bus.propagateContext([] as never, {}))).toMatchObject({ code: 'INVALID_EVENT' });
  });

  it('refuses a negative or fractional maxSize with CONFIG_INVALID', () => {
    expect(caught(() => bus.setBackpressure('tp', { maxSize: -1 }))).toMatchObject({ code: 'CONFIG_INVALID' });
    bus.setBackpressure('tp', { maxSize: 1 });
    expect(caught(() => bus.setBackpressure('tp', { maxSize: 0.5 }))).toMatchObject({ code: 'CONFIG_INVALID' });
    bus.controlBackpressure('tp');
    expect(() => bus.controlBackpressure('tp')).toThrow(OverflowError);
  });

  it('refuses a schema that does not compile with SCHEMA_INVALID, and an $async one with CONFIG_INVALID', () => {
    expect(caught(() => bus.registerSchema('lab', { type: 'no-such-type' }))).toMatchObject({ code: 'SCHEMA_INVALID' });
    expect(caught(() => bus.registerSchema('lab', { $async: true, type: 'object' }))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(bus.bus.schemas.versions('lab')).toEqual([]);
  });

  it('refuses an empty topic for a schema with INVALID_EVENT', () => {
    expect(caught(() => bus.registerSchema('', {}))).toMatchObject({ code: 'INVALID_EVENT' });
  });
});
