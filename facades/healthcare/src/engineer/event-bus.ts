/**
 * The healthcare engineer's `EventBus`: serializers, scopes and tokens,
 * context copies, round-robin workers, schemas, per-topic backpressure,
 * cluster nodes and metrics, with the legacy names in camelCase. Schemas live
 * in a @bus/schema registry and the per-topic limits in `BoundedBuffer`s of
 * @bus/backpressure.
 */
import { BoundedBuffer } from '@bus/backpressure';
import { type Bus, BusError, createBus, isThenable, type Logger } from '@bus/core';
import { createSchemaRegistry, type JsonSchema, type SchemaExtension, schema } from '@bus/schema';
import { type TopicsExtension, topics } from '@bus/topics';
import { describe, stringList } from '../string-list.js';
import { warnIdentityCrypto } from './identity-crypto-warning.js';
import { OverflowError } from './overflow-error.js';

/**
 * A token from `createToken`: the legacy `{'user', 'scopes'}` dict.
 *
 * @example
 * ```ts
 * const token: Token = clinic.createToken('alice', ['read']);
 * ```
 */
export interface Token {
  /** Who the token is for. */
  readonly user: string;
  /** What it allows. */
  readonly scopes: readonly string[];
}

/**
 * The legacy `metrics_data` dict: the validation error count, the processing
 * latencies, and any metric of the caller's.
 *
 * @example
 * ```ts
 * clinic.metricsData.processingLatencies.push(0.123);
 * clinic.metricsData.eventCount = 10;
 * ```
 */
export interface MetricsData {
  /** How many `validateSchema` calls returned `false`. */
  validationErrors: number;
  /** Latencies the caller records. */
  processingLatencies: number[];
  /** Any other metric of the caller's. */
  [metric: string]: unknown;
}

/**
 * What `generateDocumentation` returns (the legacy values, kept as they were).
 *
 * @example
 * ```ts
 * const docs: Documentation = clinic.generateDocumentation(); // { openapi: {}, sdks: ['python'] }
 * ```
 */
export interface Documentation {
  /** An OpenAPI document: empty, as in the legacy bus. */
  readonly openapi: Record<string, unknown>;
  /** The SDK languages: `['python']`, as in the legacy bus. */
  readonly sdks: string[];
}

/**
 * Options of `setBackpressure`.
 *
 * @example
 * ```ts
 * const options: SetBackpressureOptions = { maxSize: 100 };
 * ```
 */
export interface SetBackpressureOptions {
  /** How many `controlBackpressure` calls the topic admits. Default `0` (none, as in the legacy bus). */
  readonly maxSize?: number | undefined;
}

/**
 * Options of `new EventBus(options)`: what the legacy constructor had no parameter for.
 *
 * @example
 * ```ts
 * const clinic = new EventBus({ logger: pino() });
 * ```
 */
export interface EngineerEventBusOptions {
  /** The bus's logger (`createBus({ logger })`): pino, `console`, or any `Logger`. Default `consoleLogger()` of `@bus/core`. */
  readonly logger?: Logger | undefined;
}

/** A registered serializer: the two functions, as given. */
interface Serializer {
  readonly encode: (data: never) => unknown;
  readonly decode: (blob: never) => unknown;
}

/**
 * The healthcare engineer's event bus: the legacy helper methods in camelCase.
 * It dispatches nothing itself; {@link EventBus.bus} is a bus that validates
 * published events against the schemas registered here, for code moving on.
 *
 * @example
 * ```ts
 * import { EventBus } from '@bus/facade-healthcare/engineer';
 *
 * const clinic = new EventBus();
 * clinic.setTopicScopes('lab_results', ['read']);
 * clinic.authorizeUser(clinic.createToken('alice', ['read', 'write']), 'lab_results'); // true
 * clinic.registerSchema('lab_results', { type: 'object', required: ['a'], properties: { a: { type: 'number' } } });
 * clinic.validateSchema('lab_results', { b: 1 }); // false; clinic.exposeMetrics().validationErrors === 1
 * ```
 */
export class EventBus {
  /**
   * A bus with `topics()` and `schema({ registry })`, where the registry holds
   * the schemas given to `registerSchema` (the latest per topic is enforced on
   * publish). Add plugins with `.use()` before you start it.
   */
  readonly bus: Bus & TopicsExtension & SchemaExtension;
  /** The legacy `metrics_data`: counts and lists, yours to add to. */
  metricsData: MetricsData = { validationErrors: 0, processingLatencies: [] };
  /** The nodes given to `setupClustering`. */
  clusterNodes: string[] = [];
  readonly #serializers = new Map<string, Serializer>();
  readonly #scopes = new Map<string, ReadonlySet<string>>();
  readonly #workers = new Map<string, { readonly workers: readonly string[]; next: number }>();
  /** Per topic, the placeholders `controlBackpressure` admitted, bounded by `maxSize`. */
  readonly #queues = new Map<string, BoundedBuffer<null>>();

  /** An event bus with no serializers, scopes, workers, schemas or limits. */
  constructor(options: EngineerEventBusOptions = {}) {
    this.bus = createBus({ source: 'healthcare-engineer', ...(options.logger === undefined ? {} : { logger: options.logger }) })
      .use(topics())
      .use(schema({ registry: createSchemaRegistry() }));
  }

  /**
   * Registers `encode` and `decode` under `name` for `serialize` and
   * `deserialize`; `decode` need not give back what `encode` took (the legacy
   * XML serializer decoded to an element). A name registered again is replaced.
   */
  registerSerializer<D, B>(name: string, encode: (data: D) => B, decode: (blob: B) => unknown): void {
    if (typeof name !== 'string' || typeof encode !== 'function' || typeof decode !== 'function') {
      throw new BusError('CONFIG_INVALID', 'registerSerializer(name, encode, decode) takes a name and two functions.');
    }
    this.#serializers.set(name, { encode, decode });
  }

  /** The legacy documentation stub: `{ openapi: {}, sdks: ['python'] }`. */
  generateDocumentation(): Documentation {
    return { openapi: {}, sdks: ['python'] };
  }

  /**
   * Returns `data` unchanged: the legacy identity "encryption". Warns once per
   * process (`BUS_LEGACY_IDENTITY_CRYPTO`); encrypt with @bus/crypto instead.
   */
  encryptPayload<T>(data: T): T {
    warnIdentityCrypto();
    return data;
  }

  /** Returns `data` unchanged: the legacy identity "decryption" (warns as `encryptPayload` does). */
  decryptPayload<T>(data: T): T {
    warnIdentityCrypto();
    return data;
  }

  /**
   * Encodes `data` with the serializer registered as `name`. An unknown name
   * (the legacy `KeyError`) or a failing encoder throws a `BusError` `ENCODE_FAILED`.
   */
  serialize(name: string, data: unknown): unknown {
    const { encode } = this.#serializer(name, 'ENCODE_FAILED');
    try {
      return encode(data as never);
    } catch (error) {
      throw BusError.from(error, 'ENCODE_FAILED', { details: { serializer: name } });
    }
  }

  /**
   * Decodes `blob` with the serializer registered as `name`. An unknown name
   * (the legacy `KeyError`) or a failing decoder throws a `BusError` `DECODE_FAILED`.
   */
  deserialize(name: string, blob: unknown): unknown {
    const { decode } = this.#serializer(name, 'DECODE_FAILED');
    try {
      return decode(blob as never);
    } catch (error) {
      throw BusError.from(error, 'DECODE_FAILED', { details: { serializer: name } });
    }
  }

  /** Sets the scopes a token needs for `topic` (replacing earlier ones). */
  setTopicScopes(topic: string, scopes: Iterable<string>): void {
    this.#scopes.set(topic, new Set(stringList(scopes, `setTopicScopes('${topic}', scopes)`)));
  }

  /** A token for `user` with `scopes`. */
  createToken(user: string, scopes: Iterable<string>): Token {
    if (typeof user !== 'string') throw new BusError('CONFIG_INVALID', `createToken(user) takes a string, got ${describe(user)}.`);
    return { user, scopes: stringList(scopes, 'createToken(user, scopes)') };
  }

  /**
   * Whether `token` holds every scope `topic` needs (a topic without scopes
   * needs none). A value that is not a token throws `ACL_DENIED`.
   */
  authorizeUser(token: Token, topic: string): boolean {
    if (typeof token !== 'object' || token === null || !Array.isArray(token.scopes)) {
      throw new BusError('ACL_DENIED', `authorizeUser() takes a token from createToken(), got ${describe(token)}.`, {
        details: { reason: 'invalid-token', topic },
      });
    }
    const held = new Set(token.scopes);
    for (const scope of this.#scopes.get(topic) ?? []) if (!held.has(scope)) return false;
    return true;
  }

  /** A copy of `event` with `_context` set to `context`. */
  propagateContext<E extends object, C>(event: E, context: C): E & { _context: C } {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw new BusError('INVALID_EVENT', `propagateContext() takes an event object, got ${describe(event)}.`);
    }
    return { ...event, _context: context };
  }

  /** Sets the workers `balanceLoad(name, …)` takes turns over, starting from the first. */
  configureWorkers(name: string, workers: Iterable<string>): void {
    this.#workers.set(name, { workers: stringList(workers, `configureWorkers('${name}', workers)`), next: 0 });
  }

  /**
   * The next worker of `name`, round robin; `undefined` when it has none.
   * `event` is not looked at (the legacy signature has it).
   */
  balanceLoad(name: string, _event?: unknown): string | undefined {
    const pool = this.#workers.get(name);
    if (pool === undefined || pool.workers.length === 0) return undefined;
    const worker = pool.workers[pool.next % pool.workers.length];
    pool.next++;
    return worker;
  }

  /**
   * Registers the JSON Schema of `topic`'s payloads in `bus.schemas`, as a new
   * latest version (it replaces the earlier one for `validateSchema`), and
   * empties the topic's backpressure queue, as the legacy method did. A schema
   * that does not compile throws `SCHEMA_INVALID`; an `$async` one `CONFIG_INVALID`.
   */
  registerSchema(topic: string, jsonSchema: JsonSchema): void {
    if (typeof jsonSchema === 'object' && jsonSchema !== null && (jsonSchema as { $async?: unknown }).$async === true) {
      throw new BusError('CONFIG_INVALID', `registerSchema('${topic}') takes synchronous schemas: validateSchema() returns a boolean.`);
    }
    const registry = this.bus.schemas;
    registry.register(topic, jsonSchema, { version: String(registry.versions(topic).length + 1) });
    this.#queues.get(topic)?.drain();
  }

  /**
   * Whether `payload` matches the latest schema of `topic`. `false` (also for a
   * topic without a schema, as in the legacy bus) adds one to
   * `metricsData.validationErrors`.
   */
  validateSchema(topic: string, payload: unknown): boolean {
    let valid: boolean;
    try {
      const result = this.bus.schemas.validate(topic, undefined, payload);
      valid = !isThenable(result) && result.valid;
    } catch {
      valid = false;
    }
    if (!valid) this.metricsData.validationErrors++;
    return valid;
  }

  /** Lets `topic` admit `maxSize` `controlBackpressure` calls (a placeholder each; default 0). */
  setBackpressure(topic: string, options: SetBackpressureOptions = {}): void {
    const maxSize = options.maxSize ?? 0;
    const queue = this.#queues.get(topic);
    if (queue === undefined) this.#queues.set(topic, new BoundedBuffer<null>({ capacity: maxSize, policy: 'reject' }));
    else queue.capacity = maxSize;
  }

  /**
   * Admits one more item on `topic`: returns `true`, or throws {@link OverflowError}
   * (code `BACKPRESSURE_REJECTED`) when `maxSize` items were admitted already.
   * A topic without `setBackpressure` always admits.
   */
  controlBackpressure(topic: string): true {
    const queue = this.#queues.get(topic);
    if (queue !== undefined && !queue.offer(null).accepted) throw new OverflowError(topic, queue.capacity);
    return true;
  }

  /** Records the cluster's nodes as `clusterNodes`. */
  setupClustering(nodes: Iterable<string>): void {
    this.clusterNodes = stringList(nodes, 'setupClustering(nodes)');
  }

  /** A shallow copy of `metricsData`. */
  exposeMetrics(): MetricsData {
    return { ...this.metricsData };
  }

  #serializer(name: string, code: 'ENCODE_FAILED' | 'DECODE_FAILED'): Serializer {
    const serializer = this.#serializers.get(name);
    if (serializer === undefined) throw new BusError(code, `Serializer '${name}' not found`, { details: { serializer: name } });
    return serializer;
  }
}
