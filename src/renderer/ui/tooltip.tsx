import { useEffect, useState } from 'react';
import type { EventDetails } from '../../shared/bridge';
import { formatBytes, formatDurationNs, formatNsExact } from '../../core/util/format';
import { useViewer, useViewerSelector } from './viewer-context';

const cache = new Map<string, EventDetails>();

/** Hover tooltip: the representative event of the slice under the mouse, fetched (and cached) by key. */
export function Tooltip() {
  const { bridge, traceId, info, controller } = useViewer();
  const hover = useViewerSelector((s) => s.hover);
  const key = hover ? `${traceId}:${hover.lane}:${hover.index}` : '';
  const [details, setDetails] = useState<EventDetails | null>(null);

  useEffect(() => {
    if (!hover) return setDetails(null);
    const hit = cache.get(key);
    if (hit) return setDetails(hit);
    let live = true;
    const t = setTimeout(() => {
      void bridge.getEventDetails(traceId, hover.lane, hover.index).then((r) => {
        if (!r.ok) return;
        cache.set(key, r.value);
        if (live) setDetails(r.value);
      });
    }, 30);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` names the hovered event; a new hover object for the same event must not refetch
  }, [key, bridge, traceId]);

  if (!hover || !details || `${traceId}:${details.lane}:${details.index}` !== key) return null;
  const f = Object.fromEntries(details.fields);
  // Exact to the ns: a 3 µs kernel 25 s in reads "25.011 234 567 s → 25.011 237 671 s", not "25.011 s → 25.011 s".
  const rel = (t: number) => formatNsExact(t - info.sessionStartNs);
  const lines: [string, string][] = [];
  if (hover.eventCount > 1) {
    const busy = hover.busy !== undefined ? ` · ${Math.round(Math.min(1, hover.busy) * 100)}% busy` : '';
    lines.push([
      'Merged',
      `${hover.eventCount.toLocaleString('en-US')} events in ${formatDurationNs(hover.endNs - hover.startNs)}${busy} (longest shown)`,
    ]);
    // The name with the most time in the slice (core/query/lod.ts), and its share of the slice's busy time.
    const mostly = hover.mostlyNameId !== undefined && hover.mostlyNameId >= 0 ? controller.names.name(hover.mostlyNameId) : undefined;
    if (mostly && hover.mostlyNs !== undefined) {
      const busyNs = (hover.busy ?? 0) * (hover.endNs - hover.startNs);
      const share = busyNs > 0 ? ` (${Math.round(Math.min(1, hover.mostlyNs / busyNs) * 100)}% of the busy time)` : '';
      lines.push(['Mostly', `${mostly}: ${formatDurationNs(hover.mostlyNs)}${share}`]);
    }
  }
  lines.push(['Duration', formatNsExact(details.endNs - details.startNs)]);
  lines.push([details.lane === 'nvtx-gpu' ? 'GPU span' : 'Start / end', `${rel(details.startNs)} → ${rel(details.endNs)}`]);
  if (details.lane === 'nvtx-gpu') {
    // A projected range: the row shows its GPU span; the CPU range it comes from is one line down.
    lines.push(['CPU range', `${rel(Number(f['CPU start (ns)']))} → ${rel(Number(f['CPU end (ns)']))} (${f['CPU span']})`]);
    lines.push(['GPU ops launched', String(f['GPU ops launched'])]);
  }
  if (f['Launch latency'] !== undefined) {
    const queued = Number(f['Queued behind stream (ns)']);
    lines.push([
      'Launch latency',
      `${f['Launch latency']}${queued > 0 ? ` (queued ${f['Queued behind stream']} behind earlier work on its stream)` : ''}`,
    ]);
  }
  if (f['Raw name'] !== undefined) lines.push(['Raw name', String(f['Raw name'])]);
  if (f['Stream'] !== undefined) lines.push(['Stream', String(f['Stream'])]);
  if (f['Graph exec id'] !== undefined) lines.push(['Graph / exec id', `${f['Graph id']} / ${f['Graph exec id']}`]);
  if (f['Grid'] !== undefined) lines.push(['Grid / block', `${f['Grid']}  /  ${f['Block']}`]);
  if (details.lane === 'memcpy' || details.lane === 'memset') {
    lines.push(['Size', formatBytes(Number(f['Bytes']))]);
    if (f['Throughput (GB/s)'] !== undefined) lines.push(['Throughput', `${f['Throughput (GB/s)']} GB/s`]);
    if (f['Direction'] !== undefined) lines.push(['Direction', String(f['Direction'])]);
    if (f['Source memory'] !== undefined) lines.push(['Memory', `${f['Source memory'] || '?'} → ${f['Destination memory'] || '?'}`]);
  }
  if (f['Thread'] !== undefined) lines.push(['Thread', String(f['Thread'])]);
  if (f['Correlation ID'] !== undefined) lines.push(['Correlation ID', String(f['Correlation ID'])]);
  if (f['CPU'] !== undefined) lines.push(['CPU', String(f['CPU'])]);
  if (f['In use'] !== undefined) lines.push(['In use', `${f['In use']} on GPU ${f['Device']}`]);
  // CPU samples and OS runtime calls with a backtrace: the first frames, leaf first (all in the details panel).
  const stack = typeof f['Call stack'] === 'string' ? f['Call stack'].split('\n') : [];
  const STACK_LINES = 12;
  stack.slice(0, STACK_LINES).forEach((frame, k) => lines.push([k === 0 ? 'Call stack' : ' ', frame]));
  if (stack.length > STACK_LINES) lines.push([' ', `… ${stack.length - STACK_LINES} more frames`]);
  const left = Math.min(hover.pageX + 14, window.innerWidth - 460);
  const top = Math.min(hover.pageY + 16, window.innerHeight - 40 - lines.length * 18);
  return (
    <div className="tooltip" data-testid="tooltip" style={{ left, top }}>
      <div className="tooltip-name">{details.name}</div>
      {lines.map(([k, v], n) => (
        <div key={n} className="tooltip-line">
          <span>{k}</span>
          {v}
        </div>
      ))}
    </div>
  );
}
