/**
 * One colour scheme for every view (timeline, panels, screenshots, step breakdowns): events are
 * classified by name into the categories an LLM-inference engineer scans for. Pure string rules, no
 * model access, so the same function colours a kernel in the renderer and in a headless export.
 */
export type KernelCategory = 'gemm' | 'attention' | 'nccl' | 'norm' | 'elementwise' | 'reduce' | 'copy' | 'sampling' | 'kernel';

export type EventCategory =
  KernelCategory | 'memcpy-htod' | 'memcpy-dtoh' | 'memcpy-dtod' | 'memcpy-other' | 'memset' | 'cuda-api' | 'nvtx' | 'osrt';

/** The kernel categories in legend order (GPU work first by how much of an LLM step it usually is). */
export const KERNEL_CATEGORIES: readonly KernelCategory[] = [
  'gemm',
  'attention',
  'nccl',
  'norm',
  'elementwise',
  'reduce',
  'copy',
  'sampling',
  'kernel',
];

/** 0xRRGGBB per category. Copies are warm/cool by direction so HtoD vs DtoH reads at a glance. */
export const CATEGORY_COLORS: Record<EventCategory, number> = {
  gemm: 0x4c8bf5, // blue
  attention: 0xb36ae2, // purple
  nccl: 0xe5533d, // red
  norm: 0x97a1ff, // periwinkle
  elementwise: 0x3fb68b, // green
  reduce: 0xe0c341, // yellow
  copy: 0xc7b78a, // tan: copy/gather/fill kernels (not DMA copies, which are memcpy-*)
  sampling: 0xf4f1de, // cream: RNG, argmax, top-k/top-p
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
  gemm: 'GEMM / conv',
  attention: 'Attention',
  nccl: 'Communication (NCCL)',
  norm: 'Norm',
  elementwise: 'Activation / elementwise',
  reduce: 'Reduce / softmax',
  copy: 'Copy / gather kernel',
  sampling: 'Sampling / RNG',
  kernel: 'Other kernel',
  'memcpy-htod': 'Memcpy HtoD',
  'memcpy-dtoh': 'Memcpy DtoH',
  'memcpy-dtod': 'Memcpy DtoD',
  'memcpy-other': 'Memcpy (other)',
  memset: 'Memset',
  'cuda-api': 'CUDA API',
  nvtx: 'NVTX',
  osrt: 'OS runtime',
};

export interface KernelCategoryRule {
  category: KernelCategory;
  /** Tested against the lower-cased short or demangled name. */
  pattern: RegExp;
  why: string;
}

/**
 * Torch-inductor pointwise kernels that only move or reshape data: every op in the fused list is a
 * view/copy op (`triton_poi_fused__to_copy_expand_unsqueeze_1`, `triton_poi_fused_zeros_3`).
 */
const TRITON_COPY_ONLY =
  /^triton_poi_fused(_+(to_copy|unsafe_view|view|clone|expand|unsqueeze|squeeze|t|transpose|permute|slice|zeros|empty|full|cat|index_copy|copy|select|reshape|fill|arange))+_\d+$/;

/**
 * The kernel category table: the first rule whose pattern matches wins, so order carries meaning.
 * Checked over every distinct kernel name of ../shared/traces and ../shared/corpus
 * (tests/snapshots/kernel-categories.txt).
 */
export const KERNEL_CATEGORY_RULES: readonly KernelCategoryRule[] = [
  {
    category: 'nccl',
    pattern: /nccl|cross_device_reduce|custom_?all_?reduce|(one|two)_?shot_?all/,
    why: 'NCCL collectives and vLLM custom all-reduce; before reduce: "ncclDevKernel_AllReduce_Sum" is communication',
  },
  {
    category: 'sampling',
    pattern:
      /distribution_elementwise|normal_kernel|uniform_kernel|random_from_to|random_kernel|exponential_kernel|bernoulli|philox|curand|multinomial|(?<!up|down|re)sampl|top_?k|top_?p|argmax|argmin|radixsort|gathertopk/,
    why: 'random numbers (torch.randn is at::native "normal_kernel", not a norm), greedy argmax, top-k/top-p and multinomial sampling',
  },
  {
    category: 'gemm',
    pattern: /^triton_(tem_fused_)?(b?mm|addmm)|^triton_.*_(b?mm|addmm)_\d+$/,
    why: 'inductor template GEMMs (triton_mm, triton_tem_fused_mm)',
  },
  {
    category: 'norm',
    pattern: /^triton_(poi|red|per)_fused.*(layer_norm|rms_?norm|mean_mul_pow_rsqrt|pow_mean.*rsqrt)/,
    why: 'inductor fuses RMSNorm into "mean_mul_pow_rsqrt" and LayerNorm into "native_layer_norm"',
  },
  { category: 'copy', pattern: TRITON_COPY_ONLY, why: 'inductor pointwise kernels that only cast, view or concatenate' },
  {
    category: 'elementwise',
    pattern: /^triton_poi_/,
    why: 'inductor pointwise kernels; their op lists may name attention or mm although the kernel itself is pointwise',
  },
  { category: 'reduce', pattern: /^triton_(red|per)_/, why: 'inductor reductions and persistent reductions' },
  {
    category: 'attention',
    pattern: /flash|fmha|sdpa|attention|attn|xformers|mha_|flashinfer|batch_?prefill|batch_?decode|compute_dot_do_o|convert_dq_to_16bits/,
    why: 'FlashAttention, cuDNN SDPA (before GEMM: "sdpa_sm90_flash_fprop_wgmma" is attention), mem-efficient fmha_cutlass*, paged/decode attention, cuDNN flash backward helpers',
  },
  {
    category: 'gemm',
    pattern:
      /gemm|gemv|nvjet|cutlass|cublas|xmma|splitkreduce|matmul|wgmma|hmma|imma|s1688|s16816|conv_?(fwd|fprop|bwd|dgrad|wgrad)|implicit_convolve|^kernel2?$|marlin|machete/,
    why: 'cuBLAS/cuBLASLt (nvjet, sm90_xmma, splitKreduce is a GEMM tail), CUTLASS (its short name is just "Kernel"/"Kernel2"), cuDNN convolutions',
  },
  {
    category: 'norm',
    pattern: /layer_?norm|rms_?norm|group_?norm|batch_?norm|instance_?norm|normalize|gammabetabackward|rowwisemoments|bn_(fw|bw)/,
    why: 'normalisation layers and their backward; never "normal" (RNG, caught above) nor NormTwoOps (a vector norm, reduce)',
  },
  {
    category: 'copy',
    pattern:
      /copy|cat_?array|fill|gather|scatter|index_?select|index_elementwise|index_kernel|nchwtonhwc|nhwctonchw|addpadding|transpose|permute|embedding|take_along/,
    why: 'data movement done by kernels: dtype/layout copies, concatenation, gathers (embedding lookups), fills; before reduce: cuDNN\'s nhwcAddPaddingKernel has "reduced_divisor" arguments',
  },
  { category: 'reduce', pattern: /reduce|reduction|softmax|scan|cumsum|logsumexp/, why: 'reductions, softmax, prefix sums' },
  {
    category: 'elementwise',
    pattern:
      /elementwise|pointwise|silu|gelu|relu|swiglu|act_and_mul|sigmoid|tanh|rotary|(^|_)rope(_|$)|multi_tensor_apply|amp_update_scale|fused_|saxpy|axpy|vector_?add/,
    why: 'activations, pointwise arithmetic, optimizer foreach kernels, TorchScript/nvFuser fusions',
  },
];

/** Category of a GPU kernel from its (short or demangled) name: the first matching KERNEL_CATEGORY_RULES entry. */
export function kernelCategory(name: string): KernelCategory {
  const n = name.toLowerCase();
  for (const r of KERNEL_CATEGORY_RULES) if (r.pattern.test(n)) return r.category;
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
    case 'kernel':
      return kernelCategory(name);
    // A graph execution runs kernels we cannot see one by one (graph-level trace): generic compute.
    case 'graph':
      return 'kernel';
    case 'memcpy':
      return memcpyCategory(name);
    case 'memset':
      return 'memset';
    case 'cuda-api':
      return 'cuda-api';
    case 'nvtx':
      return 'nvtx';
    case 'osrt':
      return 'osrt';
  }
}
