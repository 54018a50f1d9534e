import { useSyncExternalStore } from 'react';
import { formatDurationNs } from '../../core/util/format';
import { useViewer } from './viewer-context';

/**
 * "· 37%" after a GPU, GPU-process or stream row label: the share of the VISIBLE window in which the
 * row's GPU work (kernels, copies, memsets, graph replays; overlaps counted once) ran. It follows
 * zoom and pan; the title gives the times and the whole-trace figure.
 */
export function GpuBusyBadge({ rowKey }: { rowKey: string }) {
  const { controller } = useViewer();
  const store = controller.gpuBusyLabels;
  useSyncExternalStore(store.subscribe, () => store.version);
  const b = store.get(rowKey);
  if (!b) return null;
  const pct = (f: number) => `${(f * 100).toFixed(f < 0.1 ? 1 : 0)}%`;
  const whole = b.whole ? `; whole trace (first to last event): ${pct(b.whole.fraction)} (${formatDurationNs(b.whole.busyNs)} busy)` : '';
  const title =
    `GPU busy in the visible window: ${pct(b.view.fraction)} (${formatDurationNs(b.view.busyNs)} of ${formatDurationNs(b.viewT1 - b.viewT0)}; ` +
    `union of kernels, copies, memsets and graph replays)${whole}`;
  return (
    <span className="gpu-busy" data-gpu-busy={rowKey} title={title}>
      {' '}
      · {pct(b.view.fraction)}
    </span>
  );
}
