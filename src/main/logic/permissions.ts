import { isAllowedSenderUrl, type AppOrigin } from './sender';

/**
 * Web permissions the page may have. Everything is refused (camera, notifications, geolocation,
 * HID, clipboard reads, …) except writing to the clipboard from our own page: the Export tab's
 * "Copy PNG" (src/renderer/screenshot/capture.ts) needs 'clipboard-sanitized-write', which can only
 * put data on the clipboard, never read it.
 */
export const ALLOWED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write'];

export function isPermissionAllowed(permission: unknown, requestingUrl: unknown, origin: AppOrigin): boolean {
  return typeof permission === 'string' && ALLOWED_PERMISSIONS.includes(permission) && isAllowedSenderUrl(requestingUrl, origin);
}
