/**
 * A copy of plain data (objects, arrays, Maps) whose typed arrays are copies too (`slice`), so that
 * they can be handed to another thread by transfer while the original goes on being used here.
 * Copying them takes one memcpy each; posting them as they are made postMessage serialize every byte
 * and the receiver deserialize it again (issue 15: ~0.3 s for the GPU rows of 3M kernels). Values
 * below `maxDepth` levels are shared, not copied.
 */
export function copyArrays<T>(value: T, maxDepth = 8): T {
  const copy = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object' || depth > maxDepth) return v;
    if (ArrayBuffer.isView(v)) return v instanceof DataView ? v : (v as unknown as { slice(): unknown }).slice();
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, copy(x, depth + 1)]));
    if (Array.isArray(v)) return v.map((x) => copy(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = copy(x, depth + 1);
    return out;
  };
  return copy(value, 0) as T;
}
