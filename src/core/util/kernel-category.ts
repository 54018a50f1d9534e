/**
 * One colour scheme for every view (timeline, panels, screenshots): events are classified by name
 * into a few categories a GPU performance engineer scans for. Pure string rules, no model access, so
 * the same function colours a kernel in the renderer and in a headless export.
 */
export type EventCategory =
  | 'gemm'
  | 'attention'
  | 'elementwise'
  | 'reduce'
  | 'nccl'
  | 'kernel'
  | 'memcpy-htod'
  | 'memcpy-dtoh'
  | 'memcpy-dtod'
  | 'memcpy-other'
  | 'memset'
  | 'cuda-api'
  | 'nvtx'
  | 'osrt';

/** 0xRRGGBB per category. Copies are warm/cool by direction so HtoD vs DtoH reads at a glance. */
export const CATEGORY_COLORS: Record<EventCategory, number> = {
  gemm: 0x4c8bf5, // blue
  attention: 0xb36ae2, // purple
  elementwise: 0x3fb68b, // green
  reduce: 0xe0c341, // yellow
  nccl: 0xe5533d, // red
  kernel: 0x8a96a8, // grey-blue: any other kernel
  'memcpy-htod': 0x20c5d8, // cyan
  'memcpy-dtoh': 0xf08c2a, // orange
  'memcpy-dtod': 0xd9569a, // pink
  'memcpy-other': 0xa67b5b, // brown
  memset: 0x9bd14a, // lime
  'cuda-api': 0x6f7f99,
  nvtx: 0x7f6fbf,
  osrt: 0x5d8a6a,
};

export const CATEGORY_LABELS: Record<EventCategory, string> = {
  gemm: 'GEMM', attention: 'Attention', elementwise: 'Elementwise', reduce: 'Reduce / norm / softmax', nccl: 'NCCL',
  kernel: 'Other kernel', 'memcpy-htod': 'Memcpy HtoD', 'memcpy-dtoh': 'Memcpy DtoH', 'memcpy-dtod': 'Memcpy DtoD',
  'memcpy-other': 'Memcpy (other)', memset: 'Memset', 'cuda-api': 'CUDA API', nvtx: 'NVTX', osrt: 'OS runtime',
};

/**
 * Category of a GPU kernel from its (short or demangled) name. Order matters:
 *  - NCCL first: "ncclDevKernel_AllReduce_Sum" must not become "reduce".
 *  - Triton (torch.compile) names carry their kind in the prefix: triton_poi_ is pointwise, triton_red_/triton_per_
 *    reduce; their fused op lists mention "attention" or "mm" even when the kernel is pointwise.
 *  - Attention before GEMM: cuDNN's "..._sdpa_sm80_flash_fprop_wmma..." is attention, not a GEMM.
 *  - cuBLAS split-K ("splitKreduce_kernel") is the tail of a GEMM, not a user reduction.
 */
export function kernelCategory(name: string): EventCategory {
  const n = name.toLowerCase();
  if (n.includes('nccl')) return 'nccl';
  if (n.startsWith('triton_poi')) return 'elementwise';
  if (n.startsWith('triton_red') || n.startsWith('triton_per')) return 'reduce';
  if (/flash|attn|fmha|sdpa|attention/.test(n)) return 'attention';
  if (/gemm|nvjet|cutlass|cublas|xmma|splitk|gemv|matmul|wgmma/.test(n)) return 'gemm';
  if (/reduce|norm|softmax|rsqrt|argmax|topk|scan/.test(n)) return 'reduce';
  if (/elementwise|pointwise|triton_|copy|fill|cat|gather|index|where/.test(n)) return 'elementwise';
  return 'kernel';
}

/**
 * Category of a memcpy from its direction label as the file's ENUM_CUDA_MEMCPY_OPER spells it
 * (nsys 2025.3: "Host-to-Device", "Device-to-Host", "Device-to-Device", "Peer-to-Peer", ...), or
 * from the synthetic name "[CUDA memcpy Host-to-Device]" that nsys stats prints.
 */
export function memcpyCategory(labelOrName: string): EventCategory {
  const n = labelOrName.toLowerCase();
  if (n.includes('unified')) return 'memcpy-other';
  if (n.includes('host-to-device')) return 'memcpy-htod';
  if (n.includes('device-to-host')) return 'memcpy-dtoh';
  if (n.includes('device-to-device') || n.includes('peer-to-peer')) return 'memcpy-dtod';
  return 'memcpy-other';
}

/** Category of any event given its lane and display name. */
export function eventCategory(lane: 'kernel' | 'graph' | 'memcpy' | 'memset' | 'cuda-api' | 'nvtx' | 'osrt', name: string): EventCategory {
  switch (lane) {
    case 'kernel': return kernelCategory(name);
    // A graph execution runs kernels we cannot see one by one (graph-level trace): generic compute.
    case 'graph': return 'kernel';
    case 'memcpy': return memcpyCategory(name);
    case 'memset': return 'memset';
    case 'cuda-api': return 'cuda-api';
    case 'nvtx': return 'nvtx';
    case 'osrt': return 'osrt';
  }
}
