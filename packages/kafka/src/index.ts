/**
 * `@bus/kafka`: Kafka as the bus's transport. An idempotent `acks=all`
 * producer, the CloudEvents Kafka protocol binding (binary or structured),
 * one consumer group member per subscription committing after the handler,
 * redelivery (dead letters come from `@bus/resilience`), topics created on
 * first use, SASL and TLS.
 *
 * @packageDocumentation
 */

export type { EnsureTopicsOptions } from './admin.js';
export type { CloudEventRecord, CloudEventsMode, HeaderPart, RecordToDecode } from './cloudevents-binding.js';
export { decodeCloudEvent, encodeCloudEvent, STRUCTURED_CONTENT_TYPE } from './cloudevents-binding.js';
export type { KafkaErrorDetails } from './errors.js';
export { isRetryable, kafkaError } from './errors.js';
export type { KafkaCompression, KafkaOptions, StartFrom } from './kafka-options.js';
export type { KafkaExtension } from './kafka-plugin.js';
export { kafka } from './kafka-plugin.js';
export type { KafkaSubscriptionStats, KafkaTransport } from './kafka-transport.js';
export { kafkaTransport } from './kafka-transport.js';
export type { ConsumedRecord, KafkaBinding, PlainAttributes, PlainValueBindingOptions } from './record-binding.js';
export { cloudEventsBinding, plainValueBinding } from './record-binding.js';
export type { TopicMapper } from './topic-mapping.js';
export { defaultTopicFor, isLegalTopic } from './topic-mapping.js';
