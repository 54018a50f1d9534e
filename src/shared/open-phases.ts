/**
 * What the loading screen calls each phase of an open (core/io/open-trace.ts and
 * core/model/build-model.ts name them by key; the renderer, `serve` and the CLI show these words).
 */
const PHASE_LABELS: Record<string, string> = {
  start: 'Starting',
  hash: 'Checking the report',
  export: 'Exporting with nsys',
  read: 'Reading the file',
  tables: 'Reading tables',
  tracks: 'Building tracks',
  analyses: 'Analyses',
  'first-frame': 'Drawing the first frame',
  done: 'Done',
};

/** The phase in words ("Reading tables"); an unknown key is shown as it is. */
export function phaseLabel(phase: string): string {
  return PHASE_LABELS[phase] ?? phase;
}
