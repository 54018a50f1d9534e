import { describe } from 'vitest';
import { checkTraceSnapshot } from './helpers/trace-snapshot';

// One line per real trace: every committed fixture, and the three LLM traces beside the clone.
describe('trace snapshots', () => {
  checkTraceSnapshot('tests/fixtures/nsys-2025.3/streams.sqlite');
  checkTraceSnapshot('tests/fixtures/nsys-2025.3/multiproc.sqlite');
  checkTraceSnapshot('tests/fixtures/nsys-2025.3/cuda_graphs.sqlite');
  checkTraceSnapshot('tests/fixtures/nsys-2022.4/cpu_nvtx.sqlite');
  checkTraceSnapshot('tests/fixtures/nsys-2022.4/nvtx_colors.sqlite');
  checkTraceSnapshot('shared:llm_eager_pinned_capture.sqlite');
  checkTraceSnapshot('shared:llm_eager_pageable.sqlite');
  checkTraceSnapshot('shared:llm_compiled_capture.sqlite');
});
