import { decodeMessage } from '../../core/service/wire-codec';
import { BRIDGE_METHODS, type NsysBridge, type Result } from '../../shared/bridge';

/**
 * NsysBridge over the `nsys-viewer serve` HTTP API: POST /api/<method> with the JSON argument list,
 * answered in the binary framing of core/service/wire-codec (typed arrays arrive as views, no copy).
 * The access token comes from the page URL (?token=) and travels in the X-Nsys-Token header.
 */
export function createHttpBridge(token: string, base = ''): NsysBridge {
  const call = async (method: string, args: unknown[]): Promise<Result<unknown>> => {
    let res: Response;
    try {
      res = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Nsys-Token': token },
        body: JSON.stringify(args),
      });
    } catch (e) {
      return { ok: false, error: `Lost contact with nsys-viewer serve (${(e as Error).message}). Is it still running?` };
    }
    if (!res.ok) return { ok: false, error: `nsys-viewer serve answered ${res.status}: ${(await res.text()).slice(0, 200)}` };
    try {
      return decodeMessage(await res.arrayBuffer()) as Result<unknown>;
    } catch (e) {
      return { ok: false, error: `Unreadable answer from nsys-viewer serve: ${(e as Error).message}` };
    }
  };
  const bridge: Record<string, (...args: unknown[]) => Promise<Result<unknown>>> = {};
  for (const m of BRIDGE_METHODS) bridge[m] = (...args: unknown[]) => call(m, args);
  return bridge as unknown as NsysBridge;
}
