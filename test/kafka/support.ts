/**
 * Helpers for tests of Kafka jobs: compile a `.sq` program in process, produce records, and read
 * a whole topic back (every partition, from the log start to its end).
 */
import { spawn } from 'node:child_process';
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
        const next = Number(data.messages[data.messages.length - 1]!.offset) + 1;
        if (next <= at)
          throw new Error(
            `reading ${topic} partition ${p.partition}: a fetch at offset ${at} (end ${end}) returned offsets ${data.messages[0]!.offset}..${next - 1} only`,
          );
        at = next;
      }
    }
    return out;
  } finally {
    await r.disconnect();
  }
}

/**
 * Every committed record of `topic` as kcat (librdkafka) reads it with isolation.level=read_committed
 * (asynchronously: the in-process broker must keep answering).
 */
export function kcatRead(brokers: readonly string[], topic: string): Promise<ReadRecord[]> {
  const args = ['-b', brokers.join(','), '-C', '-t', topic, '-o', 'beginning', '-e', '-q'];
  args.push('-X', 'isolation.level=read_committed', '-f', '%p\t%o\t%k\t%s\n');
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) =>
      reject(new Error(`kcat failed (${e.message}); the interop check needs kcat: apt-get install -y kcat`)),
    );
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${err}`));
      const records = out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const [p, o, key, value] = l.split('\t');
          return { partition: Number(p), offset: Number(o), key: key!, value: value!, headers: {}, timestamp: 0 };
        });
      resolve(records.sort((x, y) => x.partition - y.partition || x.offset - y.offset));
    });
  });
}
