/**
 * One Kafka for every Kafka test in the repository: the cluster named by `KAFKA_BROKERS`
 * (comma-separated host:port) when it is set, otherwise an in-process broker. Tests create
 * uniquely named topics and groups through it (`sqc-test-<random>`), which `stop()` deletes,
 * so the same test runs unchanged against a real cluster.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startKafkaBroker, type KafkaBroker, type KafkaBrokerOptions } from './server.ts';

export interface KafkaForTests {
  /** Bootstrap servers, e.g. `['127.0.0.1:41234']`. */
  readonly brokers: string[];
  /** The in-process broker, or null when the tests run against `KAFKA_BROKERS`. */
  readonly broker: KafkaBroker | null;
  /** A kafkajs client for the cluster (logging off). */
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** Creates a topic `sqc-test-<random>` (deleted by `stop()`) and returns its name. */
  topic(partitions?: number): Promise<string>;
  /** A fresh consumer group id `sqc-test-<random>` (deleted by `stop()`). */
  groupId(): string;
  /** A fresh transactional id `sqc-test-<random>`. */
  transactionalId(): string;
  /** Deletes the topics and groups made here and stops the in-process broker. */
  stop(): Promise<void>;
}

const uniqueName = () => `sqc-test-${randomBytes(6).toString('hex')}`;

export async function kafkaForTests(options: KafkaBrokerOptions = {}): Promise<KafkaForTests> {
  const external = process.env['KAFKA_BROKERS']?.trim();
  const broker = external ? null : await startKafkaBroker({ log: () => {}, ...options });
  const brokers = external ? external.split(',').map((s) => s.trim()) : [broker!.bootstrap];
  const kafka = new Kafka({ clientId: 'sqc-test', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics: string[] = [];
  const groups: string[] = [];
  return {
    brokers,
    broker,
    kafka,
    admin,
    async topic(partitions = 1) {
      const name = uniqueName();
      await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions }], waitForLeaders: true });
      topics.push(name);
      return name;
    },
    groupId() {
      const id = uniqueName();
      groups.push(id);
      return id;
    },
    transactionalId: uniqueName,
    async stop() {
      try {
        if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
        if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
      } finally {
        await admin.disconnect();
        await broker?.stop();
      }
    },
  };
}
