/**
 * The first places where two values differ, as paths (typed arrays element by element, -0 and NaN
 * told apart, Maps by key). For tests that must show two models are the same, and say where not.
 */
export function modelDiff(a: unknown, b: unknown, path = '', out: string[] = [], limit = 10): string[] {
  if (out.length >= limit) return out;
  if (Object.is(a, b)) return out;
  const tag = (v: unknown) => Object.prototype.toString.call(v);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || tag(a) !== tag(b)) {
    out.push(`${path || '.'}: ${fmt(a)} vs ${fmt(b)}`);
    return out;
  }
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) out.push(`${path}: length ${x.length} vs ${y.length}`);
    else for (let i = 0; i < x.length && out.length < limit; i++) if (!Object.is(x[i], y[i])) out.push(`${path}[${i}]: ${x[i]} vs ${y[i]}`);
    return out;
  }
  if (a instanceof Map) {
    const bm = b as Map<unknown, unknown>;
    if (a.size !== bm.size) out.push(`${path}: Map size ${a.size} vs ${bm.size}`);
    for (const [k, v] of a) modelDiff(v, bm.get(k), `${path}<${String(k)}>`, out, limit);
    return out;
  }
  if (a instanceof Set) {
    const bs = b as Set<unknown>;
    if (a.size !== bs.size || [...a].some((v) => !bs.has(v))) out.push(`${path}: Sets differ`);
    return out;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  for (const k of new Set([...ka, ...kb]))
    modelDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out, limit);
  return out;
}

function fmt(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'object' && v !== null) return Object.prototype.toString.call(v);
  return Object.is(v, -0) ? '-0' : String(v);
}
