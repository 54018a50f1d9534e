import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCsp, parseCsp, withCspHeader } from '../../src/main/logic/csp';

const repoRoot = resolve(__dirname, '../..');

describe('CSP', () => {
  it('production: no inline or eval script, nothing from other origins, no plugins, no framing', () => {
    const d = parseCsp(buildCsp());
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    const all = [...d.values()].flat();
    expect(all).not.toContain("'unsafe-eval'");
    expect(all).not.toContain("'unsafe-inline'");
    expect(all.some((s) => s.includes('*') || s.startsWith('http'))).toBe(false);
  });

  it('header and the renderer meta tag agree on every directive (frame-ancestors is header-only)', () => {
    const html = readFileSync(resolve(repoRoot, 'src/renderer/index.html'), 'utf8');
    const m = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(m, 'src/renderer/index.html has a CSP meta tag').not.toBeNull();
    const meta = parseCsp(m![1]);
    const header = parseCsp(buildCsp());
    header.delete('frame-ancestors');
    expect(Object.fromEntries(meta)).toEqual(Object.fromEntries(header));
  });

  it('dev adds only the dev server origin, its HMR websocket and the inline React Refresh preamble', () => {
    const d = parseCsp(buildCsp('http://localhost:5173'));
    expect(d.get('connect-src')).toEqual(["'self'", 'http://localhost:5173', 'ws://localhost:5173']);
    expect(d.get('script-src')).toEqual(["'self'", 'http://localhost:5173', "'unsafe-inline'"]);
    expect([...d.values()].flat()).not.toContain("'unsafe-eval'");
    expect(d.get('object-src')).toEqual(["'none'"]);
  });

  it('replaces any policy the response carried, whatever the header case, and keeps other headers', () => {
    const h = withCspHeader(
      { 'content-security-policy': ['default-src *'], 'CONTENT-SECURITY-POLICY': 'script-src * ', 'X-Other': 'a' },
      buildCsp(),
    );
    expect(Object.keys(h).filter((k) => k.toLowerCase() === 'content-security-policy')).toEqual(['Content-Security-Policy']);
    expect(h['Content-Security-Policy']).toEqual([buildCsp()]);
    expect(h['X-Other']).toEqual(['a']);
    expect(withCspHeader(undefined, 'x')).toEqual({ 'Content-Security-Policy': ['x'] });
  });
});
