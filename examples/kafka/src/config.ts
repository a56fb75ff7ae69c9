// What both services read from the environment: where the broker is, and a
// namespace that keeps one run's topics and groups apart from another's.
import { readServicesEnv } from '@bus/scripts/services-env';

export interface ExampleConfig {
  /** `host:port` list of the brokers (BUS_KAFKA_BROKERS, or `.services/env.json` after `node scripts/services.mjs up`). */
  readonly brokers: string;
  /** Prefix of every topic and consumer group of this run; empty by default (topics `orders.created`, group `billing`). */
  readonly namespace: string;
  /** How many orders the orders service places. */
  readonly orders: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const { kafkaBrokers } = readServicesEnv({ env });
  if (!kafkaBrokers) {
    throw new Error('No Kafka broker: run `node scripts/services.mjs up` at the repo root, or set BUS_KAFKA_BROKERS=host:port.');
  }
  const namespace = env.EXAMPLE_NAMESPACE ?? '';
  return { brokers: kafkaBrokers, namespace: namespace === '' ? '' : `${namespace}.`, orders: Number(env.EXAMPLE_ORDERS ?? 10) };
}

/** Event type → topic: the type itself, inside this run's namespace. */
export function topicFor(config: ExampleConfig): (type: string) => string {
  return (type) => `${config.namespace}${type}`;
}
