import { describe, expect, it } from 'vitest';
import { CATEGORY_COLORS, CATEGORY_LABELS, KERNEL_CATEGORIES, eventCategory, kernelCategory, memcpyCategory } from './kernel-category';

// Names taken from the real H100 traces in ../shared/traces (streams, cuda_graphs, llm_*).
describe('kernelCategory', () => {
  it.each([
    ['sm80_xmma_gemm_f32f32_f32f32_f32_nn_n_tilesize256x128x8_stage3_warpsize4x2x1_ffma_aligna4_alignc4_execute_kernel__5x_cublas', 'gemm'],
    ['nvjet_sm90_tst_64x8_64x16_4x2_h_bz_bias_TNT', 'gemm'],
    ['splitKreduce_kernel', 'gemm'],
    ['cudnn_generated_fort_native_sdpa_sm80_flash_fprop_wmma_f16_knob_3_64x64x64_4x1x1_cga1x1x1_kernel0_0', 'attention'],
    [
      'triton_poi_fused__scaled_dot_product_cudnn_attention__to_copy__unsafe_view_add_cat_clone_cos_expand_mul_neg_scalar_tensor_sin_slice_transpose_unsqueeze_view_where_6',
      'elementwise',
    ],
    ['triton_per_fused__to_copy__unsafe_view_add_mean_mul_pow_rsqrt_15', 'norm'],
    ['triton_red_fused__to_copy_add_embedding_mean_mul_pow_rsqrt_0', 'norm'],
    ['vectorized_elementwise_kernel', 'elementwise'],
    ['CatArrayBatchedCopy_alignedK_contig', 'copy'],
    ['triton_red_fused_sum_1', 'reduce'],
    ['reduce_kernel', 'reduce'],
    ['ncclDevKernel_AllReduce_Sum_f32_RING_LL', 'nccl'],
    ['cunn_SoftMaxForward', 'reduce'],
    ['my_custom_kernel', 'kernel'],
    // LLM categories: inductor RMSNorm and LayerNorm are norms, pure casts/views are copies.
    ['triton_per_fused__to_copy__unsafe_view_add_embedding_mean_mul_pow_rsqrt_10', 'norm'],
    ['triton_red_fused__to_copy_add_native_layer_norm_2', 'norm'],
    ['triton_poi_fused__to_copy_expand_unsqueeze_1', 'copy'],
    ['triton_poi_fused__unsafe_view_mul_silu_10', 'elementwise'],
    ['vectorized_layer_norm_kernel', 'norm'],
    ['fmha_cutlassF_f32_aligned_64x64_rf_sm80', 'attention'],
    ['void cutlass::Kernel2<cutlass_80_tensorop_s1688gemm_128x128_16x5_nt_align4>(T1::Params)', 'gemm'],
    ['Kernel2', 'gemm'],
    ['indexSelectSmallIndex', 'copy'],
    [
      'void at::native::reduce_kernel<(int)512, (int)1, at::native::ReduceOp<float, at::native::ArgMaxOps<float>, unsigned int, long, (int)4, (int)4>>(T3)',
      'sampling',
    ],
    [
      'void at::native::reduce_kernel<(int)512, (int)1, at::native::ReduceOp<float, at::native::NormTwoOps<float, float, float>, unsigned int, float, (int)4, (int)4>>(T3)',
      'reduce',
    ],
    [
      'void nhwcAddPaddingKernel<__half, __half, float, (bool)1, (cudnnKernelDataType_t)0>(int, const T1 *, T2 *, cudnn::reduced_divisor)',
      'copy',
    ],
  ])('%s → %s', (name, cat) => expect(kernelCategory(name)).toBe(cat));

  // Reported bug: torch.randn's kernels (at::native "normal_kernel") were coloured as norms.
  it('keeps RNG "normal" kernels out of the norms', () => {
    const randn =
      'void at::native::<unnamed>::distribution_elementwise_grid_stride_kernel<float, (int)4, void at::native::templates::cuda::normal_and_transform<c10::BFloat16, float, at::CUDAGeneratorImpl *, void at::native::templates::cuda::normal_kernel<at::CUDAGeneratorImpl *>(const at::TensorBase &, double, double, T1)::[lambda() (instance 1)]::operator ()() const::[lambda() (instance 2)]::operator ()() const::[lambda(curandStatePhilox4_32_10 *) (instance 2)], void at::native::<unnamed>::distribution_nullary_kernel<c10::BFloat16, float, float4, at::CUDAGeneratorImpl *, void at::native::templates::cuda::normal_and_transform<c10::BFloat16, float, at::CUDAGeneratorImpl *, void at::native::templates::cuda::normal_kernel<at::CUDAGeneratorImpl *>(const at::TensorBase &, double, double, T1)::[lambda() (instance 1)]::operator ()() const::[lambda() (instance 2)]::operator ()() const::[lambda(curandStatePhilox4_32_10 *) (instance 2)]>(at::TensorIteratorBase &, T4, const T3 &, T5)::[lambda(int, float) (instance 1)]>(long, at::PhiloxCudaState, T3, T4)';
    expect(kernelCategory(randn)).toBe('sampling');
    expect(kernelCategory('at::native::normal_kernel')).toBe('sampling');
    expect(kernelCategory('distribution_elementwise_grid_stride_kernel')).toBe('sampling');
    // ...while a real normalisation whose name starts like "normal" stays a norm.
    expect(kernelCategory('NormalizeInvStdDevKernel')).toBe('norm');
  });

  it('gives every kernel category its own colour and label', () => {
    expect(new Set(KERNEL_CATEGORIES.map((c) => CATEGORY_COLORS[c])).size).toBe(KERNEL_CATEGORIES.length);
    expect(new Set(KERNEL_CATEGORIES.map((c) => CATEGORY_LABELS[c])).size).toBe(KERNEL_CATEGORIES.length);
  });
});

describe('memcpyCategory', () => {
  it('uses the ENUM_CUDA_MEMCPY_OPER labels of nsys 2025.3', () => {
    expect(memcpyCategory('Host-to-Device')).toBe('memcpy-htod');
    expect(memcpyCategory('[CUDA memcpy Device-to-Host]')).toBe('memcpy-dtoh');
    expect(memcpyCategory('Device-to-Device')).toBe('memcpy-dtod');
    expect(memcpyCategory('Peer-to-Peer')).toBe('memcpy-dtod');
    expect(memcpyCategory('Unified Host-to-Device')).toBe('memcpy-other');
    expect(eventCategory('memset', '[CUDA memset]')).toBe('memset');
  });
  it('gives copy directions distinct colours', () => {
    const c = [CATEGORY_COLORS['memcpy-htod'], CATEGORY_COLORS['memcpy-dtoh'], CATEGORY_COLORS['memcpy-dtod'], CATEGORY_COLORS.memset];
    expect(new Set(c).size).toBe(4);
  });
});
