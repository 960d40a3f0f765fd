/**
 * sqc's Kafka broker: a single-node Kafka wire-protocol server for tests and local development
 * (`import { startKafkaBroker } from 'sqc/testing'`, or `sqc broker`). See broker/README.md.
 */
export { startKafkaBroker, type KafkaBroker, type KafkaBrokerOptions } from './server.ts';
export { kafkaForTests, type KafkaForTests } from './testing.ts';
