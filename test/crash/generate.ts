/**
 * The seeded input of the crash test: `rows` JSON lines of click/order events, mostly in
 * event-time order with up to 4 s of disorder, and a small share of rows far behind the
 * watermark (late, dropped by the windowed queries, kept by the stateless one).
 */
import { seededRandom } from '../../runtime/random.ts';

const PAGES = ['home', 'search', 'product', 'cart', 'checkout', 'account', 'help', 'blog', 'deals', 'wishlist'];

export function generateEvents(rows: number, seed: number): string {
  const rand = seededRandom(seed);
  const lines: string[] = [];
  let t = Date.UTC(2025, 3, 21, 8);
  for (let id = 0; id < rows; id++) {
    t += Math.floor(rand() * 40); // ~20 ms of event time per row on average
    const r = rand();
    // 0.5 % far behind (late), the rest up to 4 s out of order
    const ts = r < 0.005 ? t - 10_000 - Math.floor(rand() * 50_000) : t - Math.floor(rand() * rand() * 4_000);
    const user = `u${Math.floor(rand() * rand() * 400)}`;
    const page = rand() < 0.01 ? null : PAGES[Math.floor(rand() * PAGES.length)]!;
    const amount = Math.round(rand() * 10_000) / 100;
    const qty = 1 + Math.floor(rand() * 5);
    const iso = new Date(ts).toISOString();
    lines.push(JSON.stringify({ id, user_id: user, page, amount, qty, ts: rand() < 0.5 ? iso : ts }));
  }
  return lines.join('\n') + '\n';
}
