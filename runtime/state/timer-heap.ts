/**
 * A binary min-heap of (time, key) timers. Session windows push a timer whenever a session's end
 * changes and pop the due ones on each watermark; stale timers (the session moved or merged) are
 * checked and skipped by the caller, which is cheaper than deleting from the middle of a heap.
 */
export class TimerHeap<K> {
  private times: number[] = [];
  private keys: K[] = [];

  get size(): number {
    return this.times.length;
  }

  push(time: number, key: K): void {
    const times = this.times;
    const keys = this.keys;
    let i = times.length;
    times.push(time);
    keys.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (times[p]! <= time) break;
      times[i] = times[p]!;
      keys[i] = keys[p]!;
      i = p;
    }
    times[i] = time;
    keys[i] = key;
  }

  /** The earliest time, or +Infinity when empty. */
  peekTime(): number {
    return this.times.length > 0 ? this.times[0]! : Infinity;
  }

  /** Removes the earliest timer and returns its key (call only when size > 0). */
  pop(): K {
    const times = this.times;
    const keys = this.keys;
    const top = keys[0]!;
    const lastT = times.pop()!;
    const lastK = keys.pop()!;
    const n = times.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && times[r]! < times[l]! ? r : l;
        if (times[c]! >= lastT) break;
        times[i] = times[c]!;
        keys[i] = keys[c]!;
        i = c;
      }
      times[i] = lastT;
      keys[i] = lastK;
    }
    return top;
  }

  clear(): void {
    this.times = [];
    this.keys = [];
  }
}
