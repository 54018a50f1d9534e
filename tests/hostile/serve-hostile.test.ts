import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { startServer, type RunningServer } from '../../src/server/server';
import { repoRoot } from '../helpers/paths';

const rendererDir = mkdtempSync(join(tmpdir(), 'nsys-viewer-serve-hostile-'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
const logged: string[] = [];
let server: RunningServer;
beforeAll(async () => {
  const { model } = await openTrace(resolve(repoRoot, 'tests/fixtures/nsys-2025.3/streams.sqlite'));
  server = await startServer({ traces: [{ model, name: 'streams.sqlite' }], rendererDir, log: (m) => logged.push(m) });
});
afterAll(async () => {
  await server.close();
  rmSync(rendererDir, { recursive: true, force: true });
});

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((ok, fail) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, headers: { Host: `127.0.0.1:${server.port}`, ...headers } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', fail);
    req.end();
  });
}

describe('serve: hostile requests', () => {
  it('the token cookie is named for its port (cookies ignore ports: another local server would get it)', async () => {
    const r = await get(`/?token=${server.token}`);
    expect(r.status).toBe(200);
    expect(r.headers['set-cookie']).toEqual([`nsys_token_${server.port}=${server.token}; Path=/; HttpOnly; SameSite=Strict`]);
  });

  it('a malformed %-escape is a 400, with no stack trace in the log', async () => {
    const r = await get('/assets/%E0%A4%A.js', { Cookie: `nsys_token_${server.port}=${server.token}` });
    expect(r.status).toBe(400);
    expect(r.body).toBe('Bad request: malformed %-escape in the path.');
    expect(logged).toEqual([]);
  });
});
