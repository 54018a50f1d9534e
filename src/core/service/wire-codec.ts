/**
 * Binary framing for bridge answers sent over HTTP (the `serve` host): level-of-detail slices are
 * typed arrays, and JSON would inflate and slow them (a Float64Array of times costs ~20 bytes per
 * value as text). Layout of one message:
 *
 *   u32 LE headerBytes | header (UTF-8 JSON) | zero padding to 8 | buffer 0 | pad to 8 | buffer 1 ...
 *
 * The header is the value with every typed array replaced by {"$ta": k}; `b` lists, for buffer k,
 * [type, byteOffset, length]. Buffers are 8-aligned so the decoder returns zero-copy views.
 * Pure: used by src/server (encode) and src/renderer/bridge (decode).
 */
type Typed = Float64Array | Float32Array | Int32Array | Uint32Array | Uint16Array | Int16Array | Uint8Array | Int8Array;
const CTORS = { Float64Array, Float32Array, Int32Array, Uint32Array, Uint16Array, Int16Array, Uint8Array, Int8Array } as const;
type TypeName = keyof typeof CTORS;

const align8 = (n: number) => (n + 7) & ~7;

function typeName(v: unknown): TypeName | undefined {
  if (!ArrayBuffer.isView(v) || v instanceof DataView) return undefined;
  const n = v.constructor.name as TypeName;
  return n in CTORS ? n : undefined;
}

export function encodeMessage(value: unknown): Uint8Array {
  const arrays: Typed[] = [];
  const types: TypeName[] = [];
  const json = JSON.stringify(value, (_k, v: unknown) => {
    const t = typeName(v);
    if (t === undefined) return v;
    arrays.push(v as Typed);
    types.push(t);
    return { $ta: arrays.length - 1 };
  });
  const b: [TypeName, number, number][] = [];
  // Offsets are relative to the start of the buffer area (after the padded header).
  let off = 0;
  for (let k = 0; k < arrays.length; k++) {
    b.push([types[k], off, arrays[k].length]);
    off = align8(off + arrays[k].byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({ v: JSON.parse(json) as unknown, b }));
  const dataStart = align8(4 + header.length);
  const out = new Uint8Array(dataStart + off);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  for (let k = 0; k < arrays.length; k++) {
    const a = arrays[k];
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), dataStart + b[k][1]);
  }
  return out;
}

export function decodeMessage(buf: ArrayBuffer): unknown {
  if (buf.byteLength < 4) throw new Error('Bridge message too short.');
  const headerLen = new DataView(buf).getUint32(0, true);
  if (4 + headerLen > buf.byteLength) throw new Error('Bridge message header is truncated.');
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, headerLen))) as { v: unknown; b: [TypeName, number, number][] };
  const dataStart = align8(4 + headerLen);
  const views = header.b.map(([t, off, len]) => {
    const C = CTORS[t];
    if (!C) throw new Error(`Bridge message has an unknown array type "${String(t)}".`);
    return new C(buf, dataStart + off, len);
  });
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$ta === 'number' && Object.keys(o).length === 1) return views[o.$ta];
      for (const k of Object.keys(o)) o[k] = revive(o[k]);
      return o;
    }
    return v;
  };
  return revive(header.v);
}
