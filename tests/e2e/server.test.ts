// The `serve` host over real HTTP on the streams trace: token and Host checks, argument validation,
// binary slices, static files only from the built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { openTrace } from '../../src/core/io/open-trace';
import { decodeMessage } from '../../src/core/service/wire-codec';
import { startServer, type RunningServer } from '../../src/server/server';
import type { LodSlices, Result } from '../../src/shared/bridge';
import { ensureRendererBuilt } from './browser';

let server: RunningServer;

beforeAll(async () => {
  ensureRendererBuilt();
  const { model, name } = await openTrace(resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite'));
  server = await startServer({ traces: [{ model, name }], log: () => {} });
});
afterAll(() => server?.close());

/** Raw request (fetch would not let us forge the Host header). */
function raw(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', fail);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

async function api<T>(method: string, args: unknown, token = server.token): Promise<{ status: number; result?: Result<T> }> {
  const r = await raw(`/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Nsys-Token': token },
    body: JSON.stringify(args),
  });
  if (r.status !== 200) return { status: r.status };
  const ab = new Uint8Array(r.body).buffer;
  return { status: 200, result: decodeMessage(ab) as Result<T> };
}

describe('serve host', () => {
  it('binds to 127.0.0.1 with a 64-hex-digit token in the URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
  });

  it('rejects missing or wrong tokens and foreign Host headers with 403', async () => {
    expect((await raw('/')).status).toBe(403);
    expect((await raw('/?token=0000')).status).toBe(403);
    expect((await api('listTraces', [], 'f'.repeat(64))).status).toBe(403);
    expect((await raw('/assets/x.js')).status).toBe(403); // no cookie
    const rebound = await raw(`/?token=${server.token}`, { headers: { Host: `evil.example:${server.port}` } });
    expect(rebound.status).toBe(403);
  });

  it('serves the built page with a strict CSP and a per-port cookie', async () => {
    const r = await raw(`/?token=${server.token}`);
    expect(r.status).toBe(200);
    expect(String(r.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(r.headers['content-security-policy'])).not.toContain('unsafe-eval');
    expect(String(r.headers['set-cookie'])).toContain(`nsys_token_${server.port}=${server.token}`);
    expect(r.body.toString()).toMatch(/<script type="module" crossorigin src="\.\/assets\/index-[\w-]+\.js">/);
    const js = r.body.toString().match(/\.\/(assets\/index-[\w-]+\.js)/)![1];
    const asset = await raw(`/${js}`, { headers: { Cookie: `nsys_token_${server.port}=${server.token}` } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    const traversal = await raw('/..%2f..%2fpackage.json', { headers: { Cookie: `nsys_token_${server.port}=${server.token}` } });
    expect(traversal.status).toBe(404);
  });

  it('answers slices as typed arrays', async () => {
    const list = await api<{ traceId: string; name: string }[]>('listTraces', []);
    expect(list.result).toEqual({ ok: true, value: [{ traceId: 't1', name: 'streams.sqlite' }] });
    const r = await api<LodSlices[]>('getSlices', ['t1', [{ trackId: 'gpu/0/34/17/kernel', t0: 0, t1: 9815062162, widthPx: 16384 }]]);
    expect(r.result?.ok).toBe(true);
    const s = (r.result as { ok: true; value: LodSlices[] }).value[0];
    expect(s.startNs).toBeInstanceOf(Float64Array);
    expect(s.eventCount).toBeInstanceOf(Uint32Array);
    // 144 kernels on stream 17 (sqlite3: select count(*) from CUPTI_ACTIVITY_KIND_KERNEL where streamId=17)
    expect([...s.eventCount].reduce((a, b) => a + b, 0)).toBe(144);
  });

  it('validates arguments and reports service errors as values', async () => {
    expect((await api('getEventDetails', ['t1', 'kernel', 'x'])).result).toEqual({
      ok: false,
      error: 'getEventDetails argument 3 must be an integer.',
    });
    expect((await api('getSlices', ['t1', [{ trackId: 'x', t0: 0, t1: 1, widthPx: 1, extra: 1 }]])).result).toMatchObject({
      ok: false,
      error: expect.stringContaining('unexpected field "extra"'),
    });
    expect((await api('getTraceInfo', ['t9'])).result).toMatchObject({ ok: false, error: expect.stringContaining('Unknown trace id') });
    expect((await api('search', ['t1', { text: '(', regex: true }])).result).toMatchObject({
      ok: false,
      error: expect.stringContaining('Invalid regular expression'),
    });
    expect((await api('nope', [])).status).toBe(404);
    const notJson = await raw('/api/listTraces', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Nsys-Token': server.token },
      body: '{',
    });
    expect(decodeMessage(new Uint8Array(notJson.body).buffer) as Result<unknown>).toMatchObject({
      ok: false,
      error: expect.stringContaining('not valid JSON'),
    });
  });
});

describe('serve host while traces are still opening', () => {
  const post = (s: RunningServer, method: string) =>
    fetch(`http://127.0.0.1:${s.port}/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Nsys-Token': s.token },
      body: '[]',
    }).then(async (r) => decodeMessage(new Uint8Array(await r.arrayBuffer()).buffer) as Result<{ traceId: string; name: string }[]>);

  it('serves the page at once and answers listTraces when the open finishes', async () => {
    let finish!: (t: { model: Awaited<ReturnType<typeof openTrace>>['model']; name: string }) => void;
    const pending = new Promise<{ model: Awaited<ReturnType<typeof openTrace>>['model']; name: string }>((ok) => (finish = ok));
    const s = await startServer({ traces: [], pending: [pending], log: () => {} });
    try {
      expect((await fetch(s.url)).status).toBe(200); // the page does not wait for the trace
      let answered = false;
      const list = post(s, 'listTraces').then((r) => ((answered = true), r));
      await new Promise((r) => setTimeout(r, 50));
      expect(answered).toBe(false);
      const { model, name } = await openTrace(resolve(__dirname, '../fixtures/nsys-2025.3/multiproc.sqlite'));
      finish({ model, name });
      expect(await list).toEqual({ ok: true, value: [{ traceId: 't1', name: 'multiproc.sqlite' }] });
    } finally {
      await s.close();
    }
  });

  it('turns a failed open into listTraces’ one-line error', async () => {
    const failing = openTrace(resolve(__dirname, '../fixtures/nsys-2025.3/SOURCE.md')).then(({ model, name }) => ({ model, name }));
    const s = await startServer({ traces: [], pending: [failing], log: () => {} });
    try {
      const r = await post(s, 'listTraces');
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toContain('SOURCE.md');
        expect(r.error).not.toContain('\n');
      }
    } finally {
      await s.close();
    }
  });
});
