import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceModel } from '../core/model/types';
import type { GpuBusySeries } from '../core/query/gpu-busy';
import { ServiceError, TraceService } from '../core/service/trace-service';
import { encodeMessage } from '../core/service/wire-codec';
import type { LoadingState, OpenInProgress } from '../core/service/types';
import type { TraceListEntry } from '../shared/bridge';
import { answersEarly, ArgError, dispatchBridgeCall, isBridgeMethod, validateArgs } from '../shared/bridge-table';

/**
 * The `serve` host: the renderer bundle (out/renderer) in any browser, talking to a TraceService
 * through POST /api/<method>. Local only and token-guarded, because the API exposes trace contents:
 *  - binds 127.0.0.1, rejects a Host header that is not 127.0.0.1/localhost:<port> (DNS rebinding);
 *  - a random 32-byte token is in the printed URL (?token=); the page must present it, API calls send
 *    it in the X-Nsys-Token header, static files get it through a per-port SameSite=Strict cookie;
 *  - every argument is shape-checked (src/shared/bridge-table.ts) then range-checked by the service.
 */
export interface ServeTrace {
  model: TraceModel;
  name: string;
}

/**
 * An open the server reports and can stop (the `serve` command's, on worker threads): the page shows
 * its progress (getOpenProgress) while listTraces waits, and its Cancel button ends it (cancelOpen).
 */
export interface ServeOpen {
  name: string;
  /** The whole trace, or why it failed; rejects with CancelledError once cancel() took effect. */
  done: Promise<ServeTrace | FailedTrace>;
  /** Where the open stands now (polled). */
  progress(): LoadingState;
  /** Asks the open to stop (its worker ends and its memory goes). */
  cancel(): void;
  /**
   * Set by the server: the GPU-first model (issue 15) to show while the CPU rows are read; the open
   * calls it at most once, before `done` settles.
   */
  onGpuModel?: (model: TraceModel) => void;
  /** Set by the server: the GPU-first model's busy series built by the open's worker (openTraceInWorker's onGpuBusy). */
  onGpuBusy?: (series: GpuBusySeries[]) => void;
  /**
   * The open calls onGpuBusy after onGpuModel: the GPU rows' utilisation and busy % then wait for
   * those series (or the whole model) instead of building them a second time on the server's thread,
   * which also serves the page's files.
   */
  buildsGpuBusy?: boolean;
}

/** A trace that could not be opened: `serve A B` keeps serving the others and shows this in its tab. */
export interface FailedTrace {
  name: string;
  /** The one-line message (TraceOpenError's). */
  error: string;
}

export interface StartServerOptions {
  traces: ServeTrace[];
  /**
   * Traces still opening. The server answers at once (the page loads its HTML and scripts and sets up
   * WebGL meanwhile) and listTraces waits for these, so opening a file and starting the page overlap
   * as they do in the desktop app. A trace that fails to open resolves to a FailedTrace: listTraces
   * lists it with its error (the page shows it in that trace's tab). A rejection (cancel) becomes
   * listTraces' error message.
   */
  pending?: Promise<ServeTrace | FailedTrace>[];
  /** Like `pending`, with progress, Cancel and a GPU-first model; listed after `pending`'s. */
  opens?: ServeOpen[];
  /** 0 (default) picks a free port. */
  port?: number;
  /** Folder holding the built renderer (index.html); found next to the bundle by default. */
  rendererDir?: string;
  /** Called for unexpected (non-user) errors; defaults to console.error. */
  log?: (msg: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  service: TraceService;
  close(): Promise<void>;
}

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
const MAX_BODY_BYTES = 1 << 20;
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

export function findRendererDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  // out/cli/nsys-viewer.cjs and out/bench/*.cjs → out/renderer; src/server/server.ts (tests) → out/renderer.
  const candidates = [resolve(here, '../renderer'), resolve(here, '../../out/renderer'), resolve(process.cwd(), 'out/renderer')];
  // src/renderer has an index.html too (the unbuilt source, next to main.tsx): never serve that.
  return candidates.find((d) => existsSync(join(d, 'index.html')) && !existsSync(join(d, 'main.tsx')));
}

export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const service = new TraceService();
  const given: TraceListEntry[] = opts.traces.map((t) => ({ traceId: service.add(t.model, t.name), name: t.name }));
  // Added in the order given, whatever order they finish in, so trace ids are stable. Failed ones
  // keep their place in the list under an id no service call accepts; cancelled ones leave it.
  const opens: ServeOpen[] = [
    ...(opts.pending ?? []).map((done) => ({ name: '', done, progress: () => ({ phase: 'start', fraction: 0 }), cancel: () => {} })),
    ...(opts.opens ?? []),
  ];
  const slots: (TraceListEntry | null | undefined)[] = opens.map(() => undefined);
  /** GPU-first traces whose busy series their open's worker is still building (ServeOpen.buildsGpuBusy). */
  const busyComing = new Map<string, Promise<void>>();
  const cancelled = new Set<number>();
  /** Settles when every open can be listed: its GPU-first model or its whole one arrived, or it failed. */
  const opening = Promise.all(
    opens.map(
      (o, i) =>
        new Promise<void>((listed, fail) => {
          let early: string | null = null;
          let busyArrived = () => {};
          o.onGpuModel = (model) => {
            if (cancelled.has(i) || early) return;
            early = service.addLoading(model, o.name, { ...o.progress(), openId: `open-${i}` });
            if (o.buildsGpuBusy) {
              const id = early;
              busyComing.set(
                id,
                new Promise<void>(
                  (settle) =>
                    (busyArrived = () => {
                      busyComing.delete(id);
                      settle();
                    }),
                ),
              );
            }
            slots[i] = { traceId: early, name: o.name };
            listed();
          };
          o.onGpuBusy = (series) => {
            if (early && !cancelled.has(i)) service.seedGpuBusy(early, series);
            busyArrived();
          };
          // However the open ends, nothing waits for series any more.
          o.done.then(
            () => busyArrived(),
            () => busyArrived(),
          );
          o.done.then(
            (t) => {
              if (cancelled.has(i)) return;
              if ('model' in t) {
                if (early) service.complete(early, t.model);
                else slots[i] = { traceId: service.add(t.model, t.name), name: t.name };
              } else {
                if (early) service.remove(early);
                slots[i] = { traceId: `failed-${i}`, name: t.name, error: t.error };
              }
              listed();
            },
            (e: unknown) => {
              if (early) service.remove(early);
              slots[i] = null;
              if (cancelled.has(i)) listed();
              else fail(e);
            },
          );
        }),
    ),
  );
  opening.catch(() => undefined); // reported through listTraces
  // What the page's loading screen and the viewer's CPU-rows strip show.
  const progressTimer = setInterval(() => {
    opens.forEach((o, i) => {
      const id = slots[i]?.traceId;
      if (id) service.setLoading(id, { ...o.progress(), openId: `open-${i}` });
    });
  }, 100);
  progressTimer.unref();
  const openProgress = (): OpenInProgress[] =>
    opens.flatMap((o, i) => (slots[i] === undefined && !cancelled.has(i) ? [{ openId: `open-${i}`, name: o.name, ...o.progress() }] : []));
  const cancelOpen = (openId: string): boolean => {
    const i = opens.findIndex((_, k) => `open-${k}` === openId);
    if (i < 0 || cancelled.has(i) || slots[i] === null || slots[i]?.error !== undefined) return false;
    const id = slots[i]?.traceId;
    // A trace already whole has nothing left to stop.
    if (id && !service.getTraceInfo(id).loading) return false;
    cancelled.add(i);
    opens[i].cancel();
    if (id) service.remove(id);
    slots[i] = null;
    return true;
  };
  const token = randomBytes(32).toString('hex');
  const tokenBuf = Buffer.from(token);
  const rendererDir = opts.rendererDir ?? findRendererDir();
  const log = opts.log ?? ((m: string) => console.error(m));
  let port = 0;
  const cookieName = () => `nsys_token_${port}`;

  const tokenOk = (given: string | undefined | null) => {
    if (typeof given !== 'string') return false;
    const b = Buffer.from(given);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };
  const cookieToken = (req: IncomingMessage) => {
    const c = req.headers.cookie ?? '';
    for (const part of c.split(';')) {
      const [k, v] = part.trim().split('=');
      if (k === cookieName()) return v;
    }
    return undefined;
  };
  const send = (
    res: ServerResponse,
    status: number,
    body: string | Uint8Array,
    type = 'text/plain; charset=utf-8',
    extra: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': CSP,
      ...extra,
    });
    res.end(body);
  };

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string, query: URLSearchParams) => {
    const isIndex = pathname === '/' || pathname === '/index.html';
    if (isIndex) {
      if (!tokenOk(query.get('token')))
        return send(res, 403, 'Forbidden: open the exact URL printed by `nsys-viewer serve` (it carries the access token).');
    } else if (!tokenOk(cookieToken(req))) {
      return send(res, 403, 'Forbidden.');
    }
    if (!rendererDir)
      return send(res, 500, 'The renderer is not built. Run `npm run build` (or `npx electron-vite build`) and start serve again.');
    let decoded: string;
    try {
      decoded = decodeURIComponent(isIndex ? '/index.html' : pathname);
    } catch {
      // "/%E0%A4%A": a client's malformed URL, not our error (no stack in the log).
      return send(res, 400, 'Bad request: malformed %-escape in the path.');
    }
    const rel = normalize(decoded).replace(/^([/\\])+/, '');
    const file = resolve(rendererDir, rel);
    if (!file.startsWith(rendererDir + sep) || !existsSync(file) || !statSync(file).isFile()) return send(res, 404, 'Not found.');
    const extra: Record<string, string> = isIndex ? { 'Set-Cookie': `${cookieName()}=${token}; Path=/; HttpOnly; SameSite=Strict` } : {};
    send(res, 200, readFileSync(file), MIME[extname(file)] ?? 'application/octet-stream', extra);
  };

  const handleApi = (req: IncomingMessage, res: ServerResponse, method: string) => {
    if (req.method !== 'POST') return send(res, 405, 'Use POST.');
    const header = req.headers['x-nsys-token'];
    if (!tokenOk(Array.isArray(header) ? header[0] : header)) return send(res, 403, 'Forbidden: missing or wrong token.');
    if (!isBridgeMethod(method)) return send(res, 404, `Unknown bridge method "${method.slice(0, 40)}".`);
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, 'Send arguments as application/json.');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        send(res, 413, 'Request too large.');
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      const fail = (e: unknown) => {
        if (e instanceof ServiceError || e instanceof ArgError) return { ok: false, error: e.message };
        if (e instanceof SyntaxError) return { ok: false, error: `Request body is not valid JSON: ${e.message}` };
        log(`nsys-viewer serve: ${method} failed: ${(e as Error).stack ?? String(e)}`);
        return { ok: false, error: `Internal error in ${method}: ${(e as Error).message}` };
      };
      const reply = (result: unknown) => send(res, 200, encodeMessage(result), 'application/octet-stream');
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        // listTraces is the host's (failed opens keep their tab); everything else is the service's.
        if (method === 'listTraces') {
          validateArgs(method, body);
          void opening.then(
            () => reply({ ok: true, value: [...given, ...slots.filter((t): t is TraceListEntry => !!t)] }),
            (e: unknown) => reply({ ok: false, error: e instanceof Error ? e.message.split('\n')[0] : String(e) }),
          );
          return;
        }
        if (method === 'getOpenProgress') {
          validateArgs(method, body);
          return reply({ ok: true, value: openProgress() });
        }
        if (method === 'cancelOpen') {
          const [openId] = validateArgs(method, body);
          return reply({ ok: true, value: cancelOpen(openId) });
        }
        const args = validateArgs(method, body);
        // Analyses wait for the CPU rows of a trace shown from its GPU-first model (issue 15), the
        // GPU rows' busy figures for the series its worker builds.
        const ready = !answersEarly(method)
          ? service.whenLoaded(args)
          : method === 'getUtilisation' || method === 'getGpuBusy'
            ? busyComing.get(String(args[0]))
            : undefined;
        // A backend method may answer a promise (work run off this loop); either way one reply.
        void Promise.resolve(ready)
          .then(() => dispatchBridgeCall(service, method, args))
          .then(
            (value) => reply({ ok: true, value }),
            (e: unknown) => reply(fail(e)),
          );
      } catch (e) {
        reply(fail(e));
      }
    });
  };

  const server = createServer((req, res) => {
    try {
      const host = req.headers.host ?? '';
      if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 403, 'Forbidden: unexpected Host header.');
      const url = new URL(req.url ?? '/', `http://${host}`);
      if (url.pathname.startsWith('/api/')) return handleApi(req, res, url.pathname.slice(5));
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed.');
      serveStatic(req, res, url.pathname, url.searchParams);
    } catch (e) {
      log(`nsys-viewer serve: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) send(res, 400, 'Bad request.');
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    service,
    close: () =>
      new Promise<void>((ok) => {
        clearInterval(progressTimer);
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
