/**
 * The topics of the broker and their partition logs. With a data directory each topic is a
 * folder `<dataDir>/topics/<name>/` holding `topic.json` ({ partitions }) and one
 * `<partition>.log` per partition; `loadTopics` reads them back on start.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './journal.ts';
import { PartitionLog } from './log.ts';

export const ERR_INVALID_TOPIC = 17;
export const ERR_TOPIC_EXISTS = 36;
export const ERR_INVALID_PARTITIONS = 37;
export const ERR_UNKNOWN_TOPIC = 3;

export class Topic {
  constructor(
    readonly name: string,
    readonly partitions: PartitionLog[],
  ) {}
}

/** Kafka's rule: 1–249 characters of [a-zA-Z0-9._-], not "." or "..". */
export function topicNameError(name: string): string | null {
  if (name.length === 0 || name.length > 249) return `topic name must be 1–249 characters, got ${name.length}`;
  if (name === '.' || name === '..') return `topic name cannot be "${name}"`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `topic name "${name}" may only contain letters, digits, '.', '_' and '-'`;
  return null;
}

export class TopicError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class Topics {
  readonly byName = new Map<string, Topic>();
  private readonly dir: string | null;

  constructor(dataDir: string | null) {
    this.dir = dataDir === null ? null : path.join(dataDir, 'topics');
    if (this.dir !== null) {
      fs.mkdirSync(this.dir, { recursive: true });
      for (const name of fs.readdirSync(this.dir).sort()) {
        const meta = path.join(this.dir, name, 'topic.json');
        if (!fs.existsSync(meta)) continue;
        const { partitions } = JSON.parse(fs.readFileSync(meta, 'utf8')) as { partitions: number };
        this.byName.set(name, this.open(name, partitions));
      }
    }
  }

  private open(name: string, partitions: number): Topic {
    const logs: PartitionLog[] = [];
    for (let p = 0; p < partitions; p++) {
      logs.push(new PartitionLog(name, p, this.dir === null ? null : path.join(this.dir, name, `${p}.log`)));
    }
    return new Topic(name, logs);
  }

  get(name: string): Topic | undefined {
    return this.byName.get(name);
  }

  partition(name: string, p: number): PartitionLog | undefined {
    return this.byName.get(name)?.partitions[p];
  }

  create(name: string, partitions: number): Topic {
    const bad = topicNameError(name);
    if (bad) throw new TopicError(ERR_INVALID_TOPIC, bad);
    if (this.byName.has(name)) throw new TopicError(ERR_TOPIC_EXISTS, `topic "${name}" already exists`);
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 10_000) {
      throw new TopicError(ERR_INVALID_PARTITIONS, `topic "${name}": partitions must be 1–10000, got ${partitions}`);
    }
    if (this.dir !== null) {
      const d = path.join(this.dir, name);
      fs.mkdirSync(d, { recursive: true });
      writeFileAtomic(path.join(d, 'topic.json'), JSON.stringify({ partitions }) + '\n');
    }
    const t = this.open(name, partitions);
    this.byName.set(name, t);
    return t;
  }

  /** CreatePartitions: grows a topic to `count` partitions (never shrinks one). */
  addPartitions(name: string, count: number): void {
    const t = this.byName.get(name);
    if (!t) throw new TopicError(ERR_UNKNOWN_TOPIC, `topic "${name}" does not exist`);
    if (!Number.isInteger(count) || count <= t.partitions.length || count > 10_000) {
      throw new TopicError(
        ERR_INVALID_PARTITIONS,
        `topic "${name}" has ${t.partitions.length} partitions; the new count must be larger (at most 10000), got ${count}`,
      );
    }
    for (let p = t.partitions.length; p < count; p++) {
      t.partitions.push(new PartitionLog(name, p, this.dir === null ? null : path.join(this.dir, name, `${p}.log`)));
    }
    if (this.dir !== null)
      writeFileAtomic(path.join(this.dir, name, 'topic.json'), JSON.stringify({ partitions: count }) + '\n');
  }

  delete(name: string): void {
    const t = this.byName.get(name);
    if (!t) throw new TopicError(ERR_UNKNOWN_TOPIC, `topic "${name}" does not exist`);
    for (const p of t.partitions) p.close();
    this.byName.delete(name);
    if (this.dir !== null) fs.rmSync(path.join(this.dir, name), { recursive: true, force: true });
  }

  close(): void {
    for (const t of this.byName.values()) for (const p of t.partitions) p.close();
  }
}
