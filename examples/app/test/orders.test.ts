// Unit test of the query: memory rows in, typed rows out (no files, no broker).
import { describe, expect, it } from 'vitest';
import { createJob, type RevenueRow } from '../src/orders.js';

describe('revenue per category per minute', () => {
  it('sums each category per one-minute window', async () => {
    const out: RevenueRow[] = [];
    await createJob({
      sources: {
        orders: {
          rows: [
            { order_id: 'a', category: 'books', amount: 10, order_time: '2025-04-21T10:00:01Z' },
            { order_id: 'b', category: 'books', amount: 5, order_time: '2025-04-21T10:00:59Z' },
            { order_id: 'c', category: 'toys', amount: 3, order_time: '2025-04-21T10:01:00Z' },
          ],
        },
      },
      sinks: { revenue: { rows: out } },
    }).run();
    expect(out).toEqual([
      { window_start: Date.parse('2025-04-21T10:00:00Z'), category: 'books', total: 15, orders: 2 },
      { window_start: Date.parse('2025-04-21T10:01:00Z'), category: 'toys', total: 3, orders: 1 },
    ]);
  });
});
