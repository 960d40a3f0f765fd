// The service: runs the job sqc compiled from orders.sq (`npm run build` = `sqc compile` + `tsc`),
// reading data/orders.jsonl and writing out/revenue.jsonl, and reports each committed batch.
import { createJob, type RevenueRow } from './orders.js';

const totals = new Map<string, number>();
const job = createJob({
  sinks: {
    revenue: {
      onBatch: (batch) => {
        for (const row of batch.rows) {
          const category = row.category ?? '(none)';
          totals.set(category, (totals.get(category) ?? 0) + (row.total ?? 0));
        }
      },
    },
  },
});
job.on('progress', (p) => {
  if (p.numInputRows > 0) console.error(`batch ${p.batchId}: ${p.numInputRows} orders in`);
});
await job.run();
const report: Pick<RevenueRow, 'category' | 'total'>[] = [...totals].map(([category, total]) => ({ category, total }));
console.log(JSON.stringify(report));
