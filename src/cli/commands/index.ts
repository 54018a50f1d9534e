import type { Command } from '../command';
import { diffCommand } from './diff';
import { exportCsvCommand } from './export-csv';
import { exportTraceCommand } from './export-trace';
import { infoCommand } from './info';
import { summaryCommand } from './summary';
import { screenshotCommand } from './screenshot';
import { serveCommand } from './serve';
import { statsCommand } from './stats';
import { stepsCommand } from './steps';

/** Every subcommand, in --help order. Add new commands here. */
export const COMMANDS: Command[] = [
  infoCommand,
  summaryCommand,
  stepsCommand,
  diffCommand,
  exportCsvCommand,
  exportTraceCommand,
  statsCommand,
  screenshotCommand,
  serveCommand,
];
