/**
 * `bus.config.json`: the connections a project's operators share, so a
 * command line needs no flags. Flags win over the environment, which wins
 * over the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BusError } from '@bus/core';

/**
 * The file looked for in the working directory when neither `--config` nor `BUS_CONFIG` names one.
 *
 * @example
 * ```ts
 * writeFileSync(CONFIG_FILE_NAME, JSON.stringify({ outbox: { url: 'sqlite:./orders.db' } } satisfies BusConfig));
 * ```
 */
export const CONFIG_FILE_NAME = 'bus.config.json';

/**
 * The Kafka section of {@link BusConfig}.
 *
 * @example
 * ```ts
 * const kafka: KafkaConfig = { brokers: ['kafka-1:9092'], sasl: { mechanism: 'SCRAM-SHA-512', username: 'ops' }, tls: true };
 * ```
 */
export interface KafkaConfig {
  /** Bootstrap brokers, `host:port`: an array or a comma-separated string. */
  readonly brokers?: string | readonly string[];
  /** The client id the broker sees. Default `bus-cli`. */
  readonly clientId?: string;
  /** SASL: the mechanism, and the user name; the password is best left to `BUS_KAFKA_SASL_PASSWORD`. */
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username?: string; readonly password?: string };
  /** TLS: `true`, or a CA file (a path, relative to the config file) and the server name to check. */
  readonly tls?: boolean | { readonly ca?: string; readonly servername?: string };
}

/**
 * The SASL mechanisms the CLI maps to `@bus/kafka`'s `sasl` option.
 *
 * @example
 * ```ts
 * const mechanism: SaslMechanism = 'SCRAM-SHA-256';
 * ```
 */
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** The SASL mechanisms, for checks and help. */
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/**
 * The outbox section of {@link BusConfig}.
 *
 * @example
 * ```ts
 * const outbox: OutboxConfig = { url: 'postgres://app@db/orders', schema: 'orders', tables: { outbox: 'order_events' } };
 * ```
 */
export interface OutboxConfig {
  /** `postgres://…` (or `postgresql://…`), or `sqlite:<path>` (relative to the config file). */
  readonly url?: string;
  /** The Postgres schema of the tables. Default `public`. */
  readonly schema?: string;
  /** The table names, as given to `postgresOutbox`/`sqliteOutbox`. */
  readonly tables?: { readonly outbox?: string; readonly deadLetters?: string; readonly inbox?: string; readonly version?: string };
}

/**
 * The event-store section of {@link BusConfig} (`bus replay`).
 *
 * @example
 * ```ts
 * const store: EventStoreConfig = { url: 'postgres://ops@db/orders', schema: 'events', tablePrefix: 'bus_' };
 * ```
 */
export interface EventStoreConfig {
  /** `postgres://…` (or `postgresql://…`), or a SQLite file: `sqlite:<path>` or a plain path (relative to the config file). */
  readonly url?: string;
  /** The Postgres schema of the tables. Default `public`. */
  readonly schema?: string;
  /** The prefix of the store's tables, as given to `sqliteBackend`/`postgresBackend`. Default `bus_`. */
  readonly tablePrefix?: string;
}

/**
 * The `asyncapi` section of {@link BusConfig}: what `bus asyncapi` describes when the config is a JSON file
 * (a `bus.config.mjs`/`.ts` module gives a bus instead).
 *
 * @example
 * ```ts
 * const asyncapi: AsyncApiConfig = {
 *   info: { title: 'Orders service', version: '1.4.0' },
 *   publishes: ['orders.created'],
 *   subscribes: ['payments.*.settled', { pattern: 'orders.cancelled', group: 'billing' }],
 *   schemas: { 'orders.created': './schemas/order-created.json' },
 * };
 * ```
 */
export interface AsyncApiConfig {
  /** The document's `info`: `title` and `version`, and optionally `description`. */
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  /** The types the service publishes. */
  readonly publishes?: readonly string[];
  /** The patterns it subscribes to: a pattern, or `{ pattern, group }`. */
  readonly subscribes?: readonly (string | { readonly pattern: string; readonly group?: string })[];
  /** Payload JSON Schemas by type: the schema, or the path of a JSON file (relative to the config file). */
  readonly schemas?: { readonly [type: string]: string | { readonly [keyword: string]: unknown } };
  /** The content type of messages. Default `application/json`. */
  readonly defaultContentType?: string;
}

/**
 * What `bus.config.json` holds.
 *
 * @example
 * ```ts
 * const config: BusConfig = { kafka: { brokers: '127.0.0.1:9092' }, outbox: { url: 'sqlite:./outbox.db' } };
 * ```
 */
export interface BusConfig {
  /** The Kafka cluster of `publish` and `tail`. */
  readonly kafka?: KafkaConfig;
  /** The outbox of `outbox status` and `dlq`. */
  readonly outbox?: OutboxConfig;
  /** The event store of `replay`. */
  readonly store?: EventStoreConfig;
  /** What `bus asyncapi` describes. */
  readonly asyncapi?: AsyncApiConfig;
}

/** A loaded config file: its contents and the directory its relative paths are relative to. */
export interface LoadedConfig {
  /** The file's contents, checked. */
  readonly config: BusConfig;
  /** The file's directory; the working directory when there is no file. */
  readonly baseDir: string;
  /** The file read, if any. */
  readonly file: string | undefined;
  /**
   * The config file when it is a JS/TS module (`.mjs`, `.js`, `.ts`, …) rather than JSON: only `bus asyncapi`
   * reads one (it imports it for the bus it exports); `config` is then empty.
   */
  readonly module?: string;
}

/** Config files that are modules, imported rather than parsed. */
const MODULE_EXTENSIONS = /\.(mjs|cjs|js|mts|cts|ts)$/i;

/**
 * Loads the config: `explicit` (the `--config` flag), else `BUS_CONFIG`, else
 * `bus.config.json` in `cwd` if there is one. A named file that is missing,
 * unreadable or malformed is a `CONFIG_INVALID` `BusError`.
 */
export function loadConfig(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): LoadedConfig {
  const named = explicit ?? (env.BUS_CONFIG || undefined);
  const file = named === undefined ? path.join(cwd, CONFIG_FILE_NAME) : path.resolve(cwd, named);
  if (!existsSync(file)) {
    if (named !== undefined) throw new BusError('CONFIG_INVALID', `The config file ${file} does not exist.`);
    return { config: {}, baseDir: cwd, file: undefined };
  }
  if (MODULE_EXTENSIONS.test(file)) return { config: {}, baseDir: path.dirname(file), file, module: file };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new BusError('CONFIG_INVALID', `The config file ${file} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return { config: checkConfig(parsed, file), baseDir: path.dirname(file), file };
}

function checkConfig(value: unknown, file: string): BusConfig {
  const bad = (what: string): never => {
    throw new BusError('CONFIG_INVALID', `The config file ${file}: ${what}.`);
  };
  if (!isRecord(value)) return bad('must hold a JSON object');
  for (const key of Object.keys(value)) {
    if (!['kafka', 'outbox', 'store', 'asyncapi', '$schema'].includes(key)) bad(`unknown section "${key}"`);
  }
  if (value.asyncapi !== undefined) checkAsyncApi(value.asyncapi, bad);
  const { kafka, outbox, store } = value;
  if (store !== undefined) {
    if (!isRecord(store)) bad('"store" must be an object');
    else {
      for (const [field, text] of Object.entries(store)) {
        if (!['url', 'schema', 'tablePrefix'].includes(field)) bad(`unknown field "store.${field}"`);
        if (typeof text !== 'string') bad(`"store.${field}" must be a string`);
      }
    }
  }
  if (kafka !== undefined) {
    if (!isRecord(kafka)) bad('"kafka" must be an object');
    else {
      const { brokers, clientId, sasl, tls } = kafka;
      if (
        brokers !== undefined &&
        typeof brokers !== 'string' &&
        !(Array.isArray(brokers) && brokers.every((b) => typeof b === 'string'))
      ) {
        bad('"kafka.brokers" must be a string or an array of strings');
      }
      if (clientId !== undefined && typeof clientId !== 'string') bad('"kafka.clientId" must be a string');
      if (sasl !== undefined) {
        if (!isRecord(sasl) || !SASL_MECHANISMS.includes(sasl.mechanism as SaslMechanism)) {
          bad(`"kafka.sasl.mechanism" must be one of ${SASL_MECHANISMS.join(', ')}`);
        } else {
          for (const field of ['username', 'password'] as const) {
            if (sasl[field] !== undefined && typeof sasl[field] !== 'string') bad(`"kafka.sasl.${field}" must be a string`);
          }
        }
      }
      if (tls !== undefined && typeof tls !== 'boolean') {
        if (!isRecord(tls)) bad('"kafka.tls" must be true, false or { ca, servername }');
        else if (
          (tls.ca !== undefined && typeof tls.ca !== 'string') ||
          (tls.servername !== undefined && typeof tls.servername !== 'string')
        ) {
          bad('"kafka.tls.ca" (a file path) and "kafka.tls.servername" must be strings');
        }
      }
    }
  }
  if (outbox !== undefined) {
    if (!isRecord(outbox)) bad('"outbox" must be an object');
    else {
      if (outbox.url !== undefined && typeof outbox.url !== 'string') bad('"outbox.url" must be a string');
      if (outbox.schema !== undefined && typeof outbox.schema !== 'string') bad('"outbox.schema" must be a string');
      if (outbox.tables !== undefined) {
        if (!isRecord(outbox.tables)) bad('"outbox.tables" must be an object');
        else {
          for (const [role, name] of Object.entries(outbox.tables)) {
            if (!['outbox', 'deadLetters', 'inbox', 'version'].includes(role)) bad(`unknown table "outbox.tables.${role}"`);
            if (typeof name !== 'string') bad(`"outbox.tables.${role}" must be a string`);
          }
        }
      }
    }
  }
  return value as BusConfig;
}

function checkAsyncApi(asyncapi: unknown, bad: (what: string) => never): void {
  if (!isRecord(asyncapi)) bad('"asyncapi" must be an object');
  const { info, publishes, subscribes, schemas, defaultContentType } = asyncapi as Record<string, unknown>;
  if (!isRecord(info) || typeof info.title !== 'string' || typeof info.version !== 'string') {
    bad('"asyncapi.info" must be { "title": "…", "version": "…" }');
  }
  if (publishes !== undefined && !(Array.isArray(publishes) && publishes.every((type) => typeof type === 'string'))) {
    bad('"asyncapi.publishes" must be an array of event types');
  }
  if (
    subscribes !== undefined &&
    !(
      Array.isArray(subscribes) &&
      subscribes.every(
        (entry) =>
          typeof entry === 'string' ||
          (isRecord(entry) && typeof entry.pattern === 'string' && (entry.group === undefined || typeof entry.group === 'string')),
      )
    )
  ) {
    bad('"asyncapi.subscribes" must be an array of patterns or { "pattern", "group" } objects');
  }
  if (schemas !== undefined) {
    if (!isRecord(schemas)) bad('"asyncapi.schemas" must map types to JSON Schemas or JSON file paths');
    for (const [type, schema] of Object.entries(schemas as Record<string, unknown>)) {
      if (typeof schema !== 'string' && !isRecord(schema)) bad(`"asyncapi.schemas.${type}" must be a JSON Schema or a file path`);
    }
  }
  if (defaultContentType !== undefined && typeof defaultContentType !== 'string') bad('"asyncapi.defaultContentType" must be a string');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
