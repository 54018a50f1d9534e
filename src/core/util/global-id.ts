/**
 * nsys serializes (vm, pid, tid) into one 64-bit "GlobalId": pid = (v >> 24) & 0xFFFFFF,
 * tid = v & 0xFFFFFF. The values exceed 2^32, so JS bitwise operators (32-bit) cannot be used;
 * they stay below 2^53, so float division is exact.
 */
const TWO_24 = 16777216;

export function pidOf(globalId: number): number {
  if (globalId < 0) return -1;
  return Math.floor(globalId / TWO_24) % TWO_24;
}

export function tidOf(globalId: number): number {
  if (globalId < 0) return -1;
  return globalId % TWO_24;
}
