import { openTraceForCli } from '../open-for-cli';
import { formatTraceInfo, traceInfoJson } from '../../core/summary/trace-info';
import { requireTrace, type Command } from '../command';

export const infoCommand: Command = {
  name: 'info',
  summary: 'versions, tables, event counts, time span, GPUs, processes',
  usage: 'nsys-viewer info TRACE [--json]',
  async run(args, io) {
    const path = requireTrace(args, this.usage);
    const { model } = await openTraceForCli(path, args, io);
    io.out(args.flags.has('json') ? JSON.stringify(traceInfoJson(model), null, 2) + '\n' : formatTraceInfo(model));
    return 0;
  },
};
