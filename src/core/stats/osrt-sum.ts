import type { TraceModel } from '../model/types';
import { cpuCallSum } from './cpu-call-sum';
import type { StatsFilter, StatsReport } from './types';

/**
 * osrt_sum: OS runtime call durations per function name. nsys's SQL keeps eventClass 27 (OS
 * runtime calls) only; the model already drops the zero-length OSRT start/finish markers that
 * nsys 2025.3 writes beside them (see readOsrt), so every OSRT row here counts.
 */
export function osrtSum(model: TraceModel, filter?: StatsFilter): StatsReport {
  return cpuCallSum(model, model.osrt, 'osrt_sum', (name) => name, filter);
}
