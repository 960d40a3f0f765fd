/**
 * `npm run demo`, Kafka part: page_views.sq end to end on sqc's own broker, in this process.
 *
 *   1. start the broker (a free port, in memory) and create topics `clicks` (3 partitions) and
 *      `page_views`;
 *   2. produce 3,000 click events (JSON) over 10 minutes of event time, out of order across
 *      partitions by a few seconds;
 *   3. compile page_views.sq and run it, pointed at the broker, reading what the topic holds
 *      ('scan.bounded.mode' = 'latest-offset'; without it the job runs until stopped);
 *   4. read the results back from `page_views` and print them.
 *
 * The same job against a real cluster: `sqc run page_views.sq` with
 * 'properties.bootstrap.servers' set to the cluster (README, "Kafka").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { startKafkaBroker } from '../broker/index.ts';
import { compile } from '../compiler/index.ts';
import type { Job, JobOverrides } from '../runtime/index.ts';

const broker = await startKafkaBroker({ log: () => {} });
const servers = broker.bootstrap;
console.log(`kafka demo: broker at ${servers}`);
const kafka = new Kafka({ brokers: [servers], logLevel: logLevel.NOTHING, clientId: 'sqc-demo' });
try {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: 'clicks', numPartitions: 3 },
      { topic: 'page_views', numPartitions: 2 },
    ],
  });
  await admin.disconnect();

  let seed = 9;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const t0 = Date.UTC(2025, 3, 21, 14, 0, 0);
  const pages = ['/', '/cart', '/search', '/item'];
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: 'clicks',
    messages: Array.from({ length: 3_000 }, (_, i) => {
      const partition = i % 3;
      // each partition's clock lags the previous one by a second: disorder across partitions
      const ts = t0 + i * 200 - partition * 1_000;
      return {
        partition,
        value: JSON.stringify({
          user_id: `u${Math.floor(rand() * 40)}`,
          page: pages[Math.floor(rand() * pages.length)],
          ts: new Date(ts).toISOString(),
        }),
      };
    }),
  });
  await producer.disconnect();
  console.log('kafka demo: produced 3,000 clicks to topic clicks (3 partitions)');

  const source = readFileSync(join(import.meta.dirname, 'page_views.sq'), 'utf8');
  const runtimeImport = pathToFileURL(join(import.meta.dirname, '..', 'runtime', 'index.ts')).href;
  const result = await compile(source, 'page_views.sq', { runtimeImport });
  if (!result.code) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  const dir = join(tmpdir(), 'sqc-kafka-demo');
  mkdirSync(dir, { recursive: true });
  const module = join(dir, `page_views-${process.pid}.ts`);
  writeFileSync(module, result.code);
  const { createJob } = (await import(pathToFileURL(module).href)) as { createJob(o?: JobOverrides): Job };
  const at = { 'properties.bootstrap.servers': servers };
  const job = createJob({
    set: { 'checkpoint.dir': '' },
    sources: { clicks: { ...at, 'scan.bounded.mode': 'latest-offset' } },
    sinks: { page_views: at },
  });
  job.on('notice', (m) => console.log(`sqc: ${m}`));
  await job.run();

  // read the output topic back: as many records as its partitions hold
  const admin2 = kafka.admin();
  await admin2.connect();
  const total = (await admin2.fetchTopicOffsets('page_views')).reduce((n, p) => n + Number(p.high), 0);
  await admin2.disconnect();
  const consumer = kafka.consumer({ groupId: 'sqc-demo-reader' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'page_views', fromBeginning: true });
  const rows: string[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        rows.push(`partition ${partition}  key ${message.key?.toString()}  ${message.value?.toString()}`);
        if (rows.length === total) resolve();
      },
    });
  });
  await consumer.disconnect();
  console.log(`--- topic page_views (${rows.length} records: one per page per one-minute window, keyed by page)`);
  for (const r of rows.sort()) console.log(r);
} finally {
  await broker.stop();
}
