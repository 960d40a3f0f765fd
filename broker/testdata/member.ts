/**
 * A consumer group member in its own process, for tests that kill one with SIGKILL:
 * `node --import tsx member.ts <brokers> <topic> <groupId>`. Prints one JSON line per group
 * join ({ memberId, generation, partitions }) and per consumed message ({ partition, offset }).
 */
import { Kafka, logLevel } from 'kafkajs';

const [brokers, topic, groupId] = process.argv.slice(2) as [string, string, string];
const kafka = new Kafka({ clientId: 'sqc-test-member', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500 });
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  const p = e.payload;
  console.log(JSON.stringify({ memberId: p.memberId, partitions: p.memberAssignment[topic] ?? [] }));
});
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    console.log(JSON.stringify({ partition, offset: message.offset }));
  },
});
