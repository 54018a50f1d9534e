// getSteps (the Steps panel's bridge method) through the real `serve` HTTP API.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { decodeMessage } from '../../src/core/service/wire-codec';
import { startServer, type RunningServer } from '../../src/server/server';
import type { Result, StepsView } from '../../src/shared/bridge';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
let server: RunningServer;

async function api<T>(method: string, args: unknown[]): Promise<{ status: number; body: Result<T> | string }> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Nsys-Token': server.token },
    body: JSON.stringify(args),
  });
  return { status: res.status, body: res.status === 200 ? (decodeMessage(await res.arrayBuffer()) as Result<T>) : await res.text() };
}

beforeAll(async () => {
  const { model, name } = await openTrace(STREAMS);
  server = await startServer({ traces: [{ model, name }] });
});
afterAll(() => server?.close());

describe('getSteps over serve', () => {
  it('answers the automatic steps and a pattern', async () => {
    const auto = await api<StepsView>('getSteps', ['t1']);
    expect(auto.body).toMatchObject({ ok: true, value: { source: 'nvtx', description: 'NVTX "step N"', summary: { count: 6 } } });
    const some = await api<StepsView>('getSteps', ['t1', { stepNvtx: '^step [12]$' }]);
    expect(some.body).toMatchObject({ ok: true, value: { summary: { count: 2 } } });
    if (typeof some.body !== 'string' && some.body.ok) expect(some.body.value.steps.map((s) => s.name)).toEqual(['step 1', 'step 2']);
  });

  it('refuses bad arguments with a message', async () => {
    expect((await api('getSteps', ['t1', { stepNvtx: '(' }])).body).toMatchObject({
      ok: false,
      error: expect.stringContaining('is not a valid regular expression'),
    });
    expect((await api('getSteps', ['t1', { stepNvtx: 'a', stepKernel: 'b' }])).body).toMatchObject({
      ok: false,
      error: expect.stringContaining('not both'),
    });
    expect((await api('getSteps', ['t1', { stepNvtx: 3 }])).body).toMatchObject({
      ok: false,
      error: expect.stringMatching(/getSteps argument 2\.stepNvtx/),
    });
    expect((await api('getSteps', ['t1', { pattern: 'x' }])).body).toMatchObject({
      ok: false,
      error: expect.stringContaining('unexpected field "pattern"'),
    });
  });
});
