/**
 * The live page of a running job (`sqc run --ui`, `job.serveUi()`): a read-only HTTP server.
 *
 * | path | what |
 * |---|---|
 * | `/` | the page: per query, charts of the last ten minutes, the plan as a graph, notices |
 * | `/api/state` | everything the page shows, as JSON (`JobView`) |
 * | `/api/events` | Server-Sent Events: an `update` every second with the new buckets and notices |
 * | `/metrics` | Prometheus text exposition (see `metrics.ts`) |
 * | `/assets/*` | the page's script and styles, and uPlot (served from the package: no CDN) |
 *
 * Only GET and HEAD are answered (405 otherwise); nothing changes the job. Bound to 127.0.0.1
 * unless `host` says otherwise.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { PlanGraphNode } from '../contract.ts';
import type { Job, UiOptions, UiServer } from '../engine/api.ts';
import { JobHistory } from './history.ts';
import { registerJobMetrics } from './metrics.ts';

export type { UiOptions, UiServer } from '../engine/api.ts';

const require = createRequire(import.meta.url);

const ASSETS: Readonly<Record<string, { file: () => string; type: string }>> = {
  '/': { file: () => new URL('./page/index.html', import.meta.url).pathname, type: 'text/html; charset=utf-8' },
  '/assets/app.js': {
    file: () => new URL('./page/app.js', import.meta.url).pathname,
    type: 'text/javascript; charset=utf-8',
  },
  '/assets/app.css': {
    file: () => new URL('./page/app.css', import.meta.url).pathname,
    type: 'text/css; charset=utf-8',
  },
  '/assets/uplot.js': {
    file: () => require.resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/assets/uplot.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export async function serveUi(
  job: Job,
  graphs: ReadonlyMap<string, readonly PlanGraphNode[]>,
  options: UiOptions = {},
): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  const history = new JobHistory(job, graphs);
  const metrics = await registerJobMetrics(job, options.registry);
  const streams = new Set<ServerResponse>();
  const cache = new Map<string, Buffer>();

  const asset = async (path: string): Promise<Buffer | null> => {
    const a = ASSETS[path];
    if (!a) return null;
    let body = cache.get(path);
    if (!body) cache.set(path, (body = await readFile(a.file())));
    return body;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('read-only: GET only\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (path === '/api/state') {
      res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(history.view()));
      return;
    }
    if (path === '/metrics') {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { ...headers, 'content-type': metrics.registry.contentType }).end(text);
      return;
    }
    if (path === '/api/events') {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', connection: 'keep-alive' });
      res.write(': sqc live updates\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    const body = await asset(path);
    if (body === null) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end(`no such page: ${path}\n`);
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': ASSETS[path]!.type }).end(req.method === 'HEAD' ? '' : body);
  };

  // node:http is loaded when a page is served, not by every `sqc run` (start-up)
  const { createServer } = await import('node:http');
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${(e as Error).message}\n`);
    });
  });

  // Once a second: the buckets of the last two seconds (the previous one may have grown since
  // the last update) and the notices the clients have not seen.
  let noticesSent = history.view().noticeCount;
  const timer = setInterval(() => {
    if (streams.size === 0) return;
    const update = history.view(Date.now() - 2000, noticesSent);
    noticesSent = update.noticeCount;
    const frame = `event: update\ndata: ${JSON.stringify(update)}\n\n`;
    for (const s of streams) s.write(frame);
  }, 1000);
  timer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    registry: metrics.registry,
    close: async () => {
      clearInterval(timer);
      for (const s of streams) s.end();
      streams.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
