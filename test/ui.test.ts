/**
 * The live page in a real browser: `sqc run --ui 0` over a watched directory that keeps
 * receiving files, opened in Debian's chromium through playwright-core. The charts' values change
 * between two reads, the plan is drawn as a graph of operators, an injected malformed record shows
 * up as a notice, and a screenshot is taken (`npm run screenshot` writes it to
 * docs/images/live-page.png for the README).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const CHROMIUM = '/usr/bin/chromium';

const JOB = `
CREATE STREAM clicks (user_id STRING, page STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'file', 'path' = 'in', 'format' = 'json',
        'source.monitor-interval' = '100 ms', 'json.ignore-parse-errors' = 'true', 'scan.batch-size' = '200');

CREATE SINK page_counts WITH ('connector' = 'file', 'path' = 'out/page_counts.jsonl');

INSERT INTO page_counts
SELECT window_start, window_end, page, COUNT(*) AS views, COUNT(DISTINCT user_id) AS users
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))
WHERE page <> '/health'
GROUP BY window_start, window_end, page;
`;

const dir = mkdtempSync(join(tmpdir(), 'sqc-ui-'));
let child: ChildProcess | null = null;
let browser: Browser | null = null;
let writer: NodeJS.Timeout | null = null;

afterAll(async () => {
  if (writer) clearInterval(writer);
  await browser?.close();
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Files of 400 click events each, event time moving on 20 s per file. */
let fileNo = 0;
function writeClicks(): void {
  const base = Date.parse('2025-04-21T14:00:00Z') + fileNo * 20_000;
  let text = '';
  for (let i = 0; i < 400; i++) {
    const ts = new Date(base + i * 50).toISOString();
    text += JSON.stringify({ user_id: `u${(i * 7919) % 331}`, page: `/p${i % 17}`, ts }) + '\n';
  }
  writeFileSync(join(dir, 'in', `clicks-${String(fileNo++).padStart(4, '0')}.jsonl`), text);
}

function startJob(): Promise<string> {
  mkdirSync(join(dir, 'in'));
  writeFileSync(join(dir, 'job.sq'), JOB);
  writeClicks();
  child = spawn(process.execPath, [join(root, 'bin', 'sqc.js'), 'run', 'job.sq', '--ui', '0'], {
    cwd: dir,
    env: { ...process.env, SQC_CACHE_DIR: join(dir, 'cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child!.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const url = /live page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)?.[1];
      if (url) resolve(url);
    });
    child!.on('exit', (code) => reject(new Error(`sqc run exited with ${code} before serving the page:\n${stderr}`)));
  });
}

describe('the live page in chromium', () => {
  it('shows changing charts, the operator graph and a malformed record notice', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
    const url = await startJob();
    // A file every 250 ms while the page loads (bounded: 20 files at most).
    writer = setInterval(() => {
      if (fileNo < 20) writeClicks();
    }, 250);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    await page.goto(url);
    const query = page.locator('[data-query="insert_into_page_counts"]');
    await expect.poll(() => query.locator('svg [data-node]').count(), { timeout: 20_000 }).toBe(5);
    const labels = await query.locator('svg [data-node] text:first-of-type').allTextContents();
    expect(labels.some((l) => l.startsWith('WindowAggregate tumble(10 s) ON ts'))).toBe(true);
    expect(labels.some((l) => l.startsWith('Sink page_counts [file'))).toBe(true);

    /** Total input rows the rates chart holds, and the "rows in" figure. */
    const read = () =>
      // Runs in the page (a string, since this file is compiled without the DOM library).
      page.evaluate(`(() => {
        const rates = window.sqcPage.charts['insert_into_page_counts'].rates.data;
        const rowsIn = document.querySelector('[data-stat="inputRows"]').textContent;
        return { points: rates[0].length, input: rates[1].reduce((a, b) => a + (b ?? 0), 0), rowsIn };
      })()`) as Promise<{ points: number; input: number; rowsIn: string }>;
    await expect.poll(async () => (await read()).input, { timeout: 20_000 }).toBeGreaterThan(0);
    const first = await read();
    for (let i = 0; i < 3; i++) writeClicks(); // more input after the first read
    await expect.poll(async () => (await read()).input, { timeout: 20_000 }).toBeGreaterThan(first.input);
    const second = await read();
    expect(second.rowsIn).not.toBe(first.rowsIn);
    expect(second.points).toBeGreaterThanOrEqual(first.points);

    writeFileSync(join(dir, 'in', 'zz-broken.jsonl'), '{"user_id": "u1", "page": "/p1", "ts": \n');
    const notice = page.locator('#notices li', { hasText: 'skipped a malformed record of "clicks"' });
    await expect.poll(() => notice.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await notice.first().textContent()).toContain('in/zz-broken.jsonl:1: invalid JSON');

    const shot = process.env['SQC_UPDATE_SCREENSHOT']
      ? join(root, 'docs', 'images', 'live-page.png')
      : join(dir, 'live-page.png');
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);

    clearInterval(writer);
    writer = null;
    const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
    child!.kill('SIGINT');
    expect(await exited).toBe(130); // interrupted (Ctrl-C): it says so and how to resume
  });
});
