import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isPermissionAllowed } from '../../src/main/logic/permissions';
import { isAllowedSenderUrl } from '../../src/main/logic/sender';

const rendererFile = '/opt/nsys-viewer/resources/app.asar/out/renderer/index.html';
const page = pathToFileURL(rendererFile).href;
const prod = { rendererFile };
const dev = { rendererFile, devUrl: 'http://localhost:5173' };

describe('isAllowedSenderUrl', () => {
  it('accepts our page, with any query or hash', () => {
    expect(page).toBe('file:///opt/nsys-viewer/resources/app.asar/out/renderer/index.html');
    expect(isAllowedSenderUrl(page, prod)).toBe(true);
    expect(isAllowedSenderUrl(`${page}?x=1#/t/3`, prod)).toBe(true);
  });

  it('refuses other local files, look-alikes and traversal back to our page from elsewhere', () => {
    for (const url of [
      'file:///etc/passwd',
      'file:///opt/nsys-viewer/resources/app.asar/out/renderer/other.html',
      'file:///opt/nsys-viewer/resources/app.asar/out/renderer/index.html.evil',
      'file:///tmp/opt/nsys-viewer/resources/app.asar/out/renderer/index.html',
      'file://evil-host/opt/nsys-viewer/resources/app.asar/out/renderer/index.html',
      'file:///opt/nsys-viewer/resources/app.asar/out/renderer/../../../../../etc/passwd',
    ])
      expect(isAllowedSenderUrl(url, prod), url).toBe(false);
    // Dot segments are normalised by the URL parser before comparing, in both directions.
    expect(isAllowedSenderUrl('file:///opt/nsys-viewer/resources/app.asar/out/x/../renderer/index.html', prod)).toBe(true);
  });

  it('the dev server is trusted only when configured (never in a packaged app)', () => {
    expect(isAllowedSenderUrl('http://localhost:5173/', prod)).toBe(false);
    expect(isAllowedSenderUrl('http://localhost:5173/', dev)).toBe(true);
    expect(isAllowedSenderUrl('http://localhost:5173/index.html?token=1', dev)).toBe(true);
    expect(isAllowedSenderUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isAllowedSenderUrl('https://localhost:5173/', dev)).toBe(false);
    expect(isAllowedSenderUrl('http://localhost.evil.example:5173/', dev)).toBe(false);
    expect(isAllowedSenderUrl('http://user:pw@localhost:5173/', dev)).toBe(false);
  });

  it('hostile values', () => {
    for (const v of [
      undefined,
      null,
      0,
      {},
      [],
      '',
      'not a url',
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      'about:blank',
      `${page}${'a'.repeat(10_000)}`,
      'devtools://devtools/bundled/x.html',
    ]) {
      expect(isAllowedSenderUrl(v, dev), String(v).slice(0, 40)).toBe(false);
    }
    expect(isAllowedSenderUrl(page, { rendererFile, devUrl: 'not a url' })).toBe(true);
    expect(isAllowedSenderUrl('http://localhost:5173/', { rendererFile, devUrl: 'not a url' })).toBe(false);
  });
});

describe('isPermissionAllowed', () => {
  it('only clipboard writes, only from our page', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write', page, prod)).toBe(true);
    for (const p of [
      'clipboard-read',
      'media',
      'mediaKeySystem',
      'geolocation',
      'notifications',
      'midiSysex',
      'pointerLock',
      'fullscreen',
      'openExternal',
      'hid',
      'serial',
      'usb',
      'unknown',
      '__proto__',
      'constructor',
    ]) {
      expect(isPermissionAllowed(p, page, prod), p).toBe(false);
    }
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'http://localhost:5173/', '', undefined, 42]) {
      expect(isPermissionAllowed('clipboard-sanitized-write', url, prod), String(url)).toBe(false);
    }
    expect(isPermissionAllowed(['clipboard-sanitized-write'], page, prod)).toBe(false);
  });
});
