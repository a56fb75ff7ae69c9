// The shared Kafka test helpers live in @bus/scripts (other packages' tests use them too).
export { createTopics, headersOf, produceRaw, type RawMessage, readRecords } from '@bus/scripts/kafka-test';
