import { NULL_INT } from '../db/db';
import type { TraceModel } from '../model/types';

/**
 * The kernel name the kernel reports group by: nsys's kernel view takes demangledName (the
 * "templated" name, e.g. "void at::native::vectorized_elementwise_kernel<(int)4, …>(int, T2, T3)"),
 * falling back to shortName where an export has no demangled name.
 */
export function kernelNameId(model: TraceModel, i: number): number {
  const d = model.kernels.demangledNameId[i];
  return d !== NULL_INT ? d : model.kernels.shortNameId[i];
}

export function stringOf(model: TraceModel, id: number): string {
  return id >= 0 ? (model.strings[id] ?? '') : '';
}
