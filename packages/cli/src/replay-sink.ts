/**
 * Where `bus replay` sends what it reads: Kafka (`--into-topic`), through a
 * bus of `serialization()` and `kafka()` so records look as a service's own
 * do, or a projection module (`--into`) whose default export handles each
 * event. Either way each event keeps its id, time and attributes and carries
 * `replay: true`, as `@bus/persistence`'s `replay()` marks them (`isReplay`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BusError, createBus, type EnvelopeInput, type EventEnvelope, type Logger } from '@bus/core';
import { isLegalTopic, kafka } from '@bus/kafka';
import type { StoredEvent } from '@bus/persistence';
import { serialization } from '@bus/serialization';
import { InvalidArgumentError } from 'commander';
import type { KafkaConnection } from './kafka-connection.js';

/** A started destination of replayed events. */
export interface ReplaySink {
  /** How it is called in messages: `topic orders.replay`, `projection ./rebuild.mjs`. */
  readonly description: string;
  /**
   * Delivers `records`, in order; resolves when each is accepted (sent, or handled). A failure that knows which
   * event failed carries its position as `details.position` (those before it were delivered).
   */
  deliver(records: readonly StoredEvent[]): Promise<void>;
  /** Stops what `open` started. */
  close(): Promise<void>;
}

/** The placeholder of `--into-topic` that stands for each event's type. */
const TYPE_PLACEHOLDER = '{type}';

/**
 * Checks `--into-topic`: a Kafka topic name, or a template in which `{type}`
 * stands for the event's type (`{type}` alone: each event to its own type's
 * topic, as the bus's default mapping sends it). A bad value is a usage error.
 */
export function parseTopicTemplate(text: string): string {
  const sample = text.split(TYPE_PLACEHOLDER).join('orders.created');
  if (!isLegalTopic(sample)) {
    throw new InvalidArgumentError(
      `'${text}' is not a Kafka topic: letters, digits, '.', '_' and '-' (at most 249), with {type} for the event's type.`,
    );
  }
  return text;
}

/** The event as the sink gets it: as stored, marked as a replay. */
function replayed(record: StoredEvent): EnvelopeInput {
  return { ...record.event, replay: true };
}

/** Starts a bus on Kafka that sends each event to the topic of `template`. */
export async function openTopicSink(connection: KafkaConnection, template: string, logger: Logger): Promise<ReplaySink> {
  const topicFor = template.includes(TYPE_PLACEHOLDER) ? (type: string) => template.split(TYPE_PLACEHOLDER).join(type) : () => template;
  const bus = createBus({ source: 'bus-cli', logger })
    .use(serialization())
    // As `publish`: fail in seconds when the broker is away, rather than ride out a restart as a service does.
    .use(kafka({ ...connection, groupId: 'bus-cli', retries: 3, retryDelayMs: 500, topicFor }));
  await bus.start();
  return {
    description: `topic ${template}`,
    deliver: async (records) => {
      await bus.publishBatch(records.map(replayed));
    },
    close: () => bus.stop(),
  };
}

/** A projection's handler: the default export of an `--into` module. */
export type ProjectionHandler = (event: EventEnvelope) => void | Promise<void>;

/**
 * Loads the module at `file` (relative to `cwd`) and checks that its default
 * export is a function. A file that is missing, fails to load, or exports no
 * function is a `CONFIG_INVALID` `BusError`.
 */
export async function openProjectionSink(file: string, cwd: string): Promise<ReplaySink> {
  const resolved = path.resolve(cwd, file);
  if (!existsSync(resolved)) throw new BusError('CONFIG_INVALID', `The projection module ${resolved} does not exist.`);
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(resolved).href)) as { default?: unknown };
  } catch (cause) {
    throw new BusError('CONFIG_INVALID', `Could not load the projection module ${resolved}: ${(cause as Error).message}`, { cause });
  }
  const handler = loaded.default;
  if (typeof handler !== 'function') {
    throw new BusError(
      'CONFIG_INVALID',
      `The projection module ${resolved} must export a handler as its default export: export default async (event) => { … }.`,
    );
  }
  const handle = handler as ProjectionHandler;
  return {
    description: `projection ${file}`,
    deliver: async (records) => {
      // One at a time, in log order: a projection applies events as a stream.
      for (const record of records) {
        try {
          await handle(replayed(record) as EventEnvelope);
        } catch (cause) {
          const message = cause instanceof Error ? cause.message : String(cause);
          throw new BusError('HANDLER_FAILED', `The projection failed on event ${record.event.id} (${record.event.type}): ${message}`, {
            eventId: record.event.id,
            cause,
            details: { position: record.position },
          });
        }
      }
    },
    close: async () => {},
  };
}
