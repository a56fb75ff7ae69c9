// The shared Kafka test helpers live in @bus/scripts (other packages' tests use them too).
export { deleteByPrefix, testBrokers, uniquePrefix } from '@bus/scripts/kafka-test';
