/**
 * `@bus/cli`: the `bus` command — `outbox status` (per key shard too),
 * `dlq list|show|redrive|purge` for the outbox's dead letters, `publish` and
 * `tail` on Kafka, `replay` of the event store, `asyncapi` — with `--json`
 * and meaningful exit codes. The package also exports {@link runCli} to run a
 * command line in-process.
 *
 * @packageDocumentation
 */

export type { CliIo, CliOutput } from './cli-io.js';
export type { AsyncApiConfig, BusConfig, EventStoreConfig, KafkaConfig, OutboxConfig, SaslMechanism } from './config-file.js';
export { CONFIG_FILE_NAME } from './config-file.js';
export type { ExitCode } from './exit-codes.js';
export { EXIT_CODES } from './exit-codes.js';
export { runCli } from './run-cli.js';
export type { DeadLetterSource, UiDeadLetter, UiDeadLetterFilter } from './ui/dead-letter-source.js';
export { outboxDeadLetterSource, resilienceDeadLetterSource } from './ui/dead-letter-source.js';
export type { FlowFailure, FlowRow } from './ui/flow-monitor.js';
export { FlowMonitor } from './ui/flow-monitor.js';
export type { UiAppOptions, UiSources } from './ui/ui-app.js';
export { createUiApp } from './ui/ui-app.js';
export type { UiServer } from './ui/ui-server.js';
export { serveUi } from './ui/ui-server.js';
