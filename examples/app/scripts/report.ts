// A script run without a build step: `node --import sqc/register scripts/report.ts` compiles the
// .sq import and strips this file's types; `npm run bundle` builds it with the esbuild plugin.
// Types come from src/clicks.d.sq.ts, which the plugins write beside the .sq file.
import { createJob, type PageViewsRow } from '../src/clicks.sq';

const rows: PageViewsRow[] = [];
await createJob({ sinks: { page_views: { rows } } }).run();
console.log(`${rows.length} page-minute rows`);
for (const r of rows)
  console.log(`${new Date(r.window_start).toISOString()} ${r.page} views=${r.views} users=${r.users}`);
