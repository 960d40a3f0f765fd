// The hand-written competitor of the NEXMark-shaped file suite: what an engineer writes without
// sqc — readline + JSON.parse + a Map, results written as JSON lines. One process per run:
//   node hand.mjs <tumble|hop|filter> <bids.jsonl> <out.jsonl>
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

const [query, input, output] = process.argv.slice(2);
const out = createWriteStream(output);
const write = (row) => {
  if (!out.write(JSON.stringify(row) + '\n')) return new Promise((r) => out.once('drain', r));
};
const rl = createInterface({ input: createReadStream(input, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
const iso = (ms) => new Date(ms).toISOString();

if (query === 'filter') {
  for await (const line of rl) {
    if (!line) continue;
    const b = JSON.parse(line);
    if (b.price > 5000 && b.channel !== 'Apple')
      await write({ auction: b.auction, bidder: b.bidder, price_eur: b.price * 0.908, dateTime: b.dateTime });
  }
} else {
  // Windows per auction; a window is written once the watermark (max time - 5 s) passes its end.
  const size = 10_000;
  const slide = query === 'hop' ? 2_000 : size;
  const windows = new Map(); // end -> Map(auction -> count)
  let maxTime = -Infinity;
  const fire = async (watermark) => {
    for (const end of [...windows.keys()].sort((a, b) => a - b)) {
      if (end > watermark) break;
      for (const [auction, bids] of windows.get(end))
        await write({ auction, window_start: iso(end - size), window_end: iso(end), bids });
      windows.delete(end);
    }
  };
  let n = 0;
  for await (const line of rl) {
    if (!line) continue;
    const b = JSON.parse(line);
    const t = Date.parse(b.dateTime);
    if (t < maxTime - 5_000) continue; // late
    for (let start = t - (t % slide); start > t - size; start -= slide) {
      const end = start + size;
      let w = windows.get(end);
      if (!w) windows.set(end, (w = new Map()));
      w.set(b.auction, (w.get(b.auction) ?? 0) + 1);
    }
    if (t > maxTime) maxTime = t;
    if (++n % 1000 === 0) await fire(maxTime - 5_000);
  }
  await fire(Infinity);
}
await new Promise((r) => out.end(r));
