/**
 * STDDEV_POP / STDDEV_SAMP / VAR_POP / VAR_SAMP: Welford's online mean and sum of squared
 * deviations (numerically stable), mergeable with Chan et al.'s parallel formula.
 */
import type { Json } from '../types.ts';

export class Welford {
  count = 0;
  mean = 0;
  m2 = 0;

  /** Adds a value; NULL is ignored (SQL). */
  add(x: number | null): void {
    if (x === null) return;
    this.count++;
    const d = x - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (x - this.mean);
  }

  /** Takes back a value added before (the inverse of `add`; an updating input retracts rows). */
  retract(x: number | null): void {
    if (x === null || this.count === 0) return;
    if (this.count === 1) {
      this.count = 0;
      this.mean = 0;
      this.m2 = 0;
      return;
    }
    const mean = (this.mean * this.count - x) / (this.count - 1);
    this.m2 -= (x - mean) * (x - this.mean);
    if (this.m2 < 0) this.m2 = 0;
    this.mean = mean;
    this.count--;
  }

  merge(o: Welford): void {
    if (o.count === 0) return;
    if (this.count === 0) {
      this.count = o.count;
      this.mean = o.mean;
      this.m2 = o.m2;
      return;
    }
    const n = this.count + o.count;
    const d = o.mean - this.mean;
    this.mean += (d * o.count) / n;
    this.m2 += o.m2 + (d * d * this.count * o.count) / n;
    this.count = n;
  }

  /** NULL when no non-null value was added. */
  varPop(): number | null {
    return this.count === 0 ? null : this.m2 / this.count;
  }

  /** NULL with fewer than two values. */
  varSamp(): number | null {
    return this.count < 2 ? null : this.m2 / (this.count - 1);
  }

  stddevPop(): number | null {
    const v = this.varPop();
    return v === null ? null : Math.sqrt(v);
  }

  stddevSamp(): number | null {
    const v = this.varSamp();
    return v === null ? null : Math.sqrt(v);
  }

  snapshot(): Json {
    return [this.count, this.mean, this.m2];
  }

  static restore(s: Json): Welford {
    const [count, mean, m2] = s as [number, number, number];
    const w = new Welford();
    w.count = count;
    w.mean = mean;
    w.m2 = m2;
    return w;
  }
}
