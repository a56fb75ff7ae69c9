/**
 * `@bus/facade-data-engineer`: the legacy data-engineer `ETLPipeline`
 * (serializer and extension registries, context wrappers, retries with a
 * dead-letter list, parallel balancing, a health report) rebuilt on
 * `@bus/core` and its plugins.
 *
 * @packageDocumentation
 */

export type { CallArguments } from './call-arguments.js';
export type {
  BalanceTask,
  ContextCall,
  DeadLetterEntry,
  ETLPipelineOptions,
  ETLSerializer,
  Extension,
  HandleErrorsOptions,
  HealthReport,
  PipelineConfig,
  PublishSyncOptions,
  UpdateConfigOptions,
} from './etl-pipeline.js';
export { DEAD_LETTER_EVENT_TYPE, ETLPipeline, PERSISTED_EVENT_TYPE } from './etl-pipeline.js';
export { jsonSerializer } from './json-serializer.js';
export { WorkerPool } from './worker-pool.js';
