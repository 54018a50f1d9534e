/**
 * Entry of the trace worker (a worker_threads Worker started by main, one per window): it runs
 * src/core's openTrace and TraceService so that parsing a 1.5M-event trace and answering timeline
 * queries never block main's event loop (menus, other windows, IPC). Built by electron-vite as a
 * second main-side entry: out/main/trace-worker.js.
 */
import { parentPort } from 'node:worker_threads';
import { createWorkerHandler } from './worker/handler';
import type { ToWorker } from './worker/protocol';

if (!parentPort) throw new Error('trace-worker.ts runs inside a worker_threads Worker, not as a program.');
const port = parentPort;
const handler = createWorkerHandler({ postMessage: (msg, transfer) => port.postMessage(msg, transfer) });
port.on('message', (msg: ToWorker) => {
  void handler.handle(msg);
});
