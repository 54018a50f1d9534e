import Papa from 'papaparse';
import { STATS_REPORT_NAMES, type StatsReport, type StatsReportName } from '../stats/types';

/**
 * NVIDIA's `nsys stats --format csv --report NAME` output as a StatsReport, so the summary can be
 * cross-checked against the nsys CLI itself. Cells stay strings (nsys formats its own decimals).
 */
export function parseStatsCsv(name: StatsReportName, text: string, fileForMessages: string): StatsReport {
  const parsed = Papa.parse<string[]>(text.trim(), { skipEmptyLines: true });
  if (parsed.errors.length) {
    const e = parsed.errors[0];
    throw new Error(
      `${fileForMessages}: not a readable nsys stats CSV (${e.message} at row ${e.row ?? '?'}). Re-create it with: nsys stats --format csv --report ${name} REPORT`,
    );
  }
  const [columns, ...rows] = parsed.data;
  if (!columns || !columns.length)
    throw new Error(`${fileForMessages}: empty CSV. Re-create it with: nsys stats --format csv --report ${name} REPORT`);
  return { name, columns, rows };
}

/** The report name a file is for, from a name like "streams_cuda_gpu_kern_sum.csv"; undefined when none. */
export function statsReportOfFile(fileName: string): StatsReportName | undefined {
  // Longest first: "cuda_gpu_mem_time_sum" must not be taken for a shorter name it ends with.
  const names = [...STATS_REPORT_NAMES].sort((a, b) => b.length - a.length);
  return names.find((n) => fileName === `${n}.csv` || fileName.endsWith(`_${n}.csv`));
}
