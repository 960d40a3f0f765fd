// The .sq file imported directly: the sqc Vite plugin (vitest.config.ts) compiles it.
import { expect, it } from 'vitest';
import { createJob, type PageViewsRow } from '../src/clicks.sq';

it('counts views and distinct users per page and minute', async () => {
  const rows: PageViewsRow[] = [];
  await createJob({
    sources: {
      clicks: {
        batches: [
          [
            { page: '/a', user_id: 'u1', ts: '2025-04-21T10:00:01Z' },
            { page: '/a', user_id: 'u1', ts: '2025-04-21T10:00:02Z' },
          ],
          [{ page: '/a', user_id: 'u2', ts: '2025-04-21T10:00:03Z' }],
        ],
      },
    },
    sinks: { page_views: { onBatch: (b) => rows.push(...b.rows) } },
  }).run();
  expect(rows.map(({ page, views, users }) => ({ page, views, users }))).toEqual([{ page: '/a', views: 3, users: 2 }]);
});
