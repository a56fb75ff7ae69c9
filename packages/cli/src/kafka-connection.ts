/**
 * The Kafka options of a command, from `--brokers`/`--sasl-*`/`--tls*` (or
 * `BUS_KAFKA_*`, or the config file), mapped to `@bus/kafka`'s options.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BusError } from '@bus/core';
import type { KafkaOptions } from '@bus/kafka';
import { type LoadedConfig, SASL_MECHANISMS, type SaslMechanism } from './config-file.js';

/** The Kafka flags of a command line, as commander parsed them. */
export interface KafkaFlags {
  readonly brokers?: string;
  readonly clientId?: string;
  readonly saslMechanism?: string;
  readonly saslUsername?: string;
  readonly saslPassword?: string;
  readonly tls?: boolean;
  readonly tlsCa?: string;
  readonly tlsServername?: string;
}

/** The connection part of `KafkaOptions`: brokers, client id, SASL, TLS. */
export type KafkaConnection = Pick<KafkaOptions, 'brokers' | 'clientId' | 'sasl' | 'tls'> & { readonly brokers: string };

/**
 * Resolves the connection: flags, then the environment (`BUS_KAFKA_BROKERS`,
 * `BUS_KAFKA_SASL_MECHANISM`, `BUS_KAFKA_SASL_USERNAME`, `BUS_KAFKA_SASL_PASSWORD`),
 * then the config file. No brokers is a `CONFIG_INVALID` `BusError`.
 */
export function kafkaConnection(
  flags: KafkaFlags,
  env: Readonly<Record<string, string | undefined>>,
  loaded: LoadedConfig,
): KafkaConnection {
  const config = loaded.config.kafka;
  const configBrokers = typeof config?.brokers === 'string' ? config.brokers : config?.brokers?.join(',');
  const brokers = flags.brokers ?? (env.BUS_KAFKA_BROKERS || undefined) ?? configBrokers;
  if (brokers === undefined || brokers.trim().length === 0) {
    throw new BusError(
      'CONFIG_INVALID',
      'No Kafka brokers given: pass --brokers host:port[,host:port], set BUS_KAFKA_BROKERS, or name kafka.brokers in bus.config.json.',
    );
  }
  const mechanism = flags.saslMechanism ?? (env.BUS_KAFKA_SASL_MECHANISM || undefined) ?? config?.sasl?.mechanism;
  const username = flags.saslUsername ?? (env.BUS_KAFKA_SASL_USERNAME || undefined) ?? config?.sasl?.username;
  const password = flags.saslPassword ?? (env.BUS_KAFKA_SASL_PASSWORD || undefined) ?? config?.sasl?.password;
  let sasl: KafkaOptions['sasl'];
  if (mechanism !== undefined) {
    if (!SASL_MECHANISMS.includes(mechanism as SaslMechanism)) {
      throw new BusError('CONFIG_INVALID', `The SASL mechanism ${JSON.stringify(mechanism)} is not one of ${SASL_MECHANISMS.join(', ')}.`);
    }
    if (username === undefined || password === undefined) {
      throw new BusError(
        'CONFIG_INVALID',
        `SASL ${mechanism} needs a user name and a password (--sasl-username, BUS_KAFKA_SASL_PASSWORD).`,
      );
    }
    sasl = { mechanism: mechanism as SaslMechanism, username, password };
  } else if (username !== undefined || password !== undefined) {
    throw new BusError('CONFIG_INVALID', `A SASL user name or password needs a mechanism: --sasl-mechanism ${SASL_MECHANISMS.join('|')}.`);
  }
  const tls = tlsOptions(flags, loaded);
  return {
    brokers,
    clientId: flags.clientId ?? config?.clientId ?? 'bus-cli',
    ...(sasl === undefined ? {} : { sasl }),
    ...(tls === undefined ? {} : { tls }),
  };
}

function tlsOptions(flags: KafkaFlags, loaded: LoadedConfig): KafkaOptions['tls'] {
  const config = loaded.config.kafka?.tls;
  const fromConfig = typeof config === 'object' ? config : undefined;
  const enabled = flags.tls === true || flags.tlsCa !== undefined || config === true || fromConfig !== undefined;
  if (!enabled) return undefined;
  const caFile = flags.tlsCa ?? (fromConfig?.ca === undefined ? undefined : path.resolve(loaded.baseDir, fromConfig.ca));
  const servername = flags.tlsServername ?? fromConfig?.servername;
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (cause) {
      throw new BusError('CONFIG_INVALID', `Could not read the TLS CA file ${caFile}: ${(cause as Error).message}`, { cause });
    }
  }
  return { ...(ca === undefined ? {} : { ca }), ...(servername === undefined ? {} : { servername }) };
}
