// compareTraces (the app's compare view) through the real `serve` HTTP API.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { decodeMessage } from '../../src/core/service/wire-codec';
import { startServer, type RunningServer } from '../../src/server/server';
import type { Result, RunComparison } from '../../src/shared/bridge';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
let server: RunningServer;

async function api<T>(method: string, args: unknown[]): Promise<Result<T> | string> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Nsys-Token': server.token },
    body: JSON.stringify(args),
  });
  return res.status === 200 ? (decodeMessage(await res.arrayBuffer()) as Result<T>) : await res.text();
}

beforeAll(async () => {
  const a = await openTrace(STREAMS);
  const b = await openTrace(STREAMS);
  server = await startServer({
    traces: [
      { model: a.model, name: 'a.sqlite' },
      { model: b.model, name: 'b.sqlite' },
    ],
  });
});
afterAll(() => server?.close());

describe('compareTraces over serve', () => {
  it('compares two open traces: the same run twice differs in nothing', async () => {
    const r = await api<RunComparison>('compareTraces', ['t1', 't2']);
    expect(r).toMatchObject({
      ok: true,
      value: { a: { file: 'a.sqlite', steps: { count: 6 } }, b: { file: 'b.sqlite', steps: { count: 6 } }, speedup: 1, slowerPct: 0 },
    });
    if (typeof r !== 'string' && r.ok) {
      expect(r.value.kernels.length).toBeGreaterThan(0);
      for (const k of r.value.kernels) expect([k.status, k.deltaNs, k.countA]).toEqual(['both', 0, k.countB]);
    }
  });

  it('refuses bad arguments with a message', async () => {
    expect(await api('compareTraces', ['t1', 't9'])).toMatchObject({ ok: false, error: expect.stringContaining('Unknown trace id "t9"') });
    expect(await api('compareTraces', ['t1', 't2', { pidA: 1 }])).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^a\.sqlite has no GPU work in process 1;/),
    });
    expect(await api('compareTraces', ['t1', 't2', { stepNvtx: '(' }])).toMatchObject({
      ok: false,
      error: expect.stringContaining('is not a valid regular expression'),
    });
    expect(await api('compareTraces', ['t1', 't2', { pidA: 'x' }])).toMatchObject({
      ok: false,
      error: expect.stringMatching(/compareTraces argument 3\.pidA/),
    });
  });
});
