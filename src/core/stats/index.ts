export { runStatsReport, isStatsReportName, STATS_REPORT_TITLES } from './run-stats';
export { findNvtxRange, nvtxRangeFilter } from './filter';
export { toCsv, toTable, csvField } from './format';
export { STATS_REPORT_NAMES, type StatsFilter, type StatsReport, type StatsReportName } from './types';
