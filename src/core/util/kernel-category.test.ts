import { describe, expect, it } from 'vitest';
import { CATEGORY_COLORS, eventCategory, kernelCategory, memcpyCategory } from './kernel-category';

// Names taken from the real H100 traces in ../shared/traces (streams, cuda_graphs, llm_*).
describe('kernelCategory', () => {
  it.each([
    ['sm80_xmma_gemm_f32f32_f32f32_f32_nn_n_tilesize256x128x8_stage3_warpsize4x2x1_ffma_aligna4_alignc4_execute_kernel__5x_cublas', 'gemm'],
    ['nvjet_sm90_tst_64x8_64x16_4x2_h_bz_bias_TNT', 'gemm'],
    ['splitKreduce_kernel', 'gemm'],
    ['cudnn_generated_fort_native_sdpa_sm80_flash_fprop_wmma_f16_knob_3_64x64x64_4x1x1_cga1x1x1_kernel0_0', 'attention'],
    ['triton_poi_fused__scaled_dot_product_cudnn_attention__to_copy__unsafe_view_add_cat_clone_cos_expand_mul_neg_scalar_tensor_sin_slice_transpose_unsqueeze_view_where_6', 'elementwise'],
    ['triton_per_fused__to_copy__unsafe_view_add_mean_mul_pow_rsqrt_15', 'reduce'],
    ['triton_red_fused__to_copy_add_embedding_mean_mul_pow_rsqrt_0', 'reduce'],
    ['vectorized_elementwise_kernel', 'elementwise'],
    ['CatArrayBatchedCopy_alignedK_contig', 'elementwise'],
    ['reduce_kernel', 'reduce'],
    ['ncclDevKernel_AllReduce_Sum_f32_RING_LL', 'nccl'],
    ['cunn_SoftMaxForward', 'reduce'],
    ['my_custom_kernel', 'kernel'],
  ])('%s → %s', (name, cat) => expect(kernelCategory(name)).toBe(cat));
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
