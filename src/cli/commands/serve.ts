import { startServer } from '../../server/server';
import { CliError, flagNumber, type Command } from '../command';
import { openTraceForCli } from '../open-for-cli';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'open traces and serve the timeline to a local browser (127.0.0.1, token-guarded)',
  usage: 'nsys-viewer serve TRACE [TRACE...] [--port N]',
  async run(args, io) {
    if (args.positional.length === 0) throw new CliError(`Missing TRACE. Usage: ${this.usage}`, 2);
    const port = flagNumber(args, 'port') ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be an integer 0..65535 (got ${port}); 0 picks a free port.`, 2);
    const traces = [];
    for (const path of args.positional) {
      const { model, name } = await openTraceForCli(path, args, io);
      traces.push({ model, name });
    }
    let server;
    try {
      server = await startServer({ traces, port });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new CliError(`Port ${port} is in use: pick another with --port N, or --port 0 for a free one.`);
      throw e;
    }
    io.out(`Serving ${traces.map((t) => t.name).join(', ')} at\n  ${server.url}\nOpen this URL in a browser (it carries the access token). Press Ctrl-C to stop.\n`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
