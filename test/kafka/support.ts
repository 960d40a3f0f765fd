/**
 * Helpers for tests of Kafka jobs: compile a `.sq` program in process, produce records, and read
 * a whole topic back (every partition, from the log start to its end).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Kafka, Message } from 'kafkajs';
import { compile } from '../../compiler/index.ts';
import type { Job, JobOverrides } from '../../runtime/index.ts';
import { PartitionReader, READ_COMMITTED, visibleMessages } from '../../runtime/connectors/kafka/cluster.ts';

const RUNTIME = pathToFileURL(join(import.meta.dirname, '..', '..', 'runtime', 'index.ts')).href;

export type JobModule = { createJob(overrides?: JobOverrides): Job };

/** What `sqc compile` does, in process: the generated module, imported. */
export async function loadProgram(name: string, source: string): Promise<JobModule> {
  const result = await compile(source, `${name}.sq`, { runtimeImport: RUNTIME });
  if (!result.code)
    throw new Error(result.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`).join('\n'));
  const dir = join(tmpdir(), 'sqc-kafka-test');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${process.pid}-${Date.now()}.ts`);
  writeFileSync(path, result.code);
  return (await import(pathToFileURL(path).href)) as JobModule;
}

/** Sends `messages` (partition given or chosen by kafkajs) and waits for the acks. */
export async function produce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const p = kafka.producer();
  await p.connect();
  try {
    for (let i = 0; i < messages.length; i += 5_000)
      await p.send({ topic, messages: messages.slice(i, i + 5_000), acks: -1 });
  } finally {
    await p.disconnect();
  }
}

export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
  readonly timestamp: number;
}

/** Every committed record of `topic`, partition by partition in offset order. */
export async function readTopic(brokers: readonly string[], topic: string): Promise<ReadRecord[]> {
  const r = new PartitionReader(
    { brokers: [...brokers], clientId: 'sqc-test-reader', connectionTimeout: 5_000, retry: { retries: 5 } },
    READ_COMMITTED,
  );
  await r.connect();
  try {
    const parts = await r.partitions([topic]);
    const ends = await r.offsets(parts, 'latest');
    const out: ReadRecord[] = [];
    for (const p of parts) {
      const end = ends.get(`${p.topic}/${p.partition}`) ?? 0;
      let at = (await r.offsets([p], 'earliest')).get(`${p.topic}/${p.partition}`) ?? 0;
      while (at < end) {
        const [node] = [...r.leaders([p]).keys()];
        const res = await r.fetch(node!, [{ ...p, offset: at }], {
          maxWaitMs: 100,
          maxBytes: 8 << 20,
          partitionMaxBytes: 8 << 20,
        });
        const data = res[0]!.data;
        if (data.messages.length === 0) break;
        for (const m of visibleMessages(data, at)) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers)) if (v !== undefined) headers[k] = String(v);
          out.push({
            partition: p.partition,
            offset: Number(m.offset),
            key: m.key?.toString() ?? null,
            value: m.value?.toString() ?? null,
            headers,
            timestamp: Number(m.timestamp),
          });
        }
        at = Number(data.messages[data.messages.length - 1]!.offset) + 1;
      }
    }
    return out;
  } finally {
    await r.disconnect();
  }
}
