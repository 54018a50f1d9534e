import type { TraceModel } from '../model/types';
import { cpuCallSum } from './cpu-call-sum';
import { apiDisplayName } from './numeric';
import type { StatsFilter, StatsReport } from './types';

/**
 * cuda_api_sum: CUDA runtime and driver API call durations (CUPTI_ACTIVITY_KIND_RUNTIME holds
 * both) per name, named as nsys prints them (apiDisplayName).
 */
export function cudaApiSum(model: TraceModel, filter?: StatsFilter): StatsReport {
  return cpuCallSum(model, model.api, 'cuda_api_sum', apiDisplayName, filter);
}
