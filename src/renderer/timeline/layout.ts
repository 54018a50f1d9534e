import type { LaneKind, TraceInfo, TrackDescriptor } from '../../shared/bridge';

/**
 * The row tree (GPU → process → stream → lanes, the process level only when several processes ran
 * GPU work; process → thread → lanes) and its vertical layout in
 * content pixels. Groups can collapse; a collapsed group draws a summary lane (busy fraction per
 * pixel of all tracks below it). Pure data: the DOM tree and the canvas both read `rows`.
 */
export interface RowNode {
  key: string;
  label: string;
  kind: 'group' | 'lane';
  /** Lane rows: their tracks (a kernel row also holds its stream's CUDA graph executions); groups: every track below. */
  trackIds: string[];
  lane?: LaneKind;
  depthCount: number;
  children: RowNode[];
  /** Summary colour family for a collapsed group. */
  side: 'gpu' | 'cpu';
}

export interface LaidRow {
  node: RowNode;
  indent: number;
  y: number;
  h: number;
  collapsed: boolean;
}

export const GROUP_ROW_PX = 20;
export const LANE_ROW_PX = 18;
export const NVTX_DEPTH_PX = 16;
/** A counter row (GPU memory in use): tall enough to read a level. */
export const COUNTER_ROW_PX = 32;

/** Row titles per lane (the screenshot's lane labels use them too). */
export const LANE_LABEL: Record<LaneKind, string> = {
  kernel: 'Kernels',
  graph: 'Kernels',
  memcpy: 'Memcpy',
  memset: 'Memset',
  'cuda-api': 'CUDA API',
  nvtx: 'NVTX',
  osrt: 'OS runtime',
  sample: 'CPU samples',
  sched: 'Thread state',
  'gpu-memory': 'Memory in use',
  'nvtx-gpu': 'NVTX (projected)',
};
const LANE_ORDER: LaneKind[] = [
  'gpu-memory',
  'nvtx-gpu',
  'kernel',
  'graph',
  'memcpy',
  'memset',
  'cuda-api',
  'nvtx',
  'osrt',
  'sched',
  'sample',
];

function lane(t: TrackDescriptor, side: 'gpu' | 'cpu'): RowNode {
  return {
    key: `lane:${t.id}`,
    label: LANE_LABEL[t.lane],
    kind: 'lane',
    trackIds: [t.id],
    lane: t.lane,
    depthCount: Math.max(1, t.depthCount),
    children: [],
    side,
  };
}

function group(key: string, label: string, children: RowNode[], side: 'gpu' | 'cpu'): RowNode {
  return { key, label, kind: 'group', trackIds: children.flatMap((c) => c.trackIds), depthCount: 1, children, side };
}

const byLane = (a: TrackDescriptor, b: TrackDescriptor) => LANE_ORDER.indexOf(a.lane) - LANE_ORDER.indexOf(b.lane);

/** GPUs each process ran work on (from the GPU tracks), for labels that tell ranks apart. */
export function gpusByProcess(info: TraceInfo): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const t of info.tracks) {
    if (t.deviceId === undefined || t.pid === undefined) continue;
    const list = out.get(t.pid) ?? [];
    if (!list.includes(t.deviceId)) list.push(t.deviceId);
    out.set(
      t.pid,
      list.sort((a, b) => a - b),
    );
  }
  return out;
}

export function buildRowTree(info: TraceInfo): RowNode[] {
  const roots: RowNode[] = [];
  const gpuTracks = info.tracks.filter((t) => t.deviceId !== undefined && t.streamId !== undefined);
  // nsys names an MPI rank's main thread "MPI Rank N" (seen in 2022.3 reports); that is the only
  // rank number a report holds, so show it where there is one.
  const rankOf = (pid: number) => {
    for (const t of info.threads) {
      const m = t.pid === pid ? /^MPI Rank (\d+)$/.exec(t.name) : null;
      if (m) return ` · rank ${m[1]}`;
    }
    return '';
  };
  const procName = (pid: number) => info.processes.find((p) => p.pid === pid)?.name ?? 'process';
  const gpuPids = gpusByProcess(info);
  // Multi-process traces (tensor/data parallel ranks, MPI, spawned workers): GPU → process →
  // stream, so each rank's streams sit together under its GPU; one process keeps GPU → stream.
  const multiProcess = gpuPids.size > 1;
  const devices = [...new Set(gpuTracks.map((t) => t.deviceId!))].sort((a, b) => a - b);
  for (const dev of devices) {
    const name = info.gpus.find((g) => g.deviceId === dev)?.name ?? 'GPU';
    const tracks = gpuTracks.filter((t) => t.deviceId === dev);
    const pids = [...new Set(tracks.map((t) => t.pid!))].sort((a, b) => a - b);
    const streamRowsOf = (pid: number) => {
      const streams = [...new Set(tracks.filter((t) => t.pid === pid).map((t) => t.streamId!))].sort((a, b) => a - b);
      return streams.map((stream) => {
        const lanes = mergeGraphIntoKernelRow(
          tracks
            .filter((t) => t.pid === pid && t.streamId === stream)
            .sort(byLane)
            .map((t) => lane(t, 'gpu')),
        );
        return group(`stream:${dev}/${pid}/${stream}`, `Stream ${stream}`, lanes, 'gpu');
      });
    };
    const memory = info.tracks.filter((t) => t.lane === 'gpu-memory' && t.deviceId === dev).map((t) => lane(t, 'gpu'));
    // NVTX projected onto this GPU: one row per process, above its streams (inside the process
    // group when several processes share the GPU).
    const projected = (pid: number) =>
      info.tracks.filter((t) => t.lane === 'nvtx-gpu' && t.deviceId === dev && t.pid === pid).map((t) => lane(t, 'gpu'));
    const children = [
      ...memory,
      ...(multiProcess
        ? pids.map((pid) =>
            group(`gpuproc:${dev}/${pid}`, `${procName(pid)} (${pid})${rankOf(pid)}`, [...projected(pid), ...streamRowsOf(pid)], 'gpu'),
          )
        : pids.flatMap((pid) => [...projected(pid), ...streamRowsOf(pid)])),
    ];
    roots.push(group(`gpu:${dev}`, `GPU ${dev} · ${name}`, children, 'gpu'));
  }
  const cpuTracks = info.tracks.filter((t) => t.tid !== undefined);
  const pids = [...new Set(cpuTracks.map((t) => t.pid!))].sort((a, b) => a - b);
  for (const pid of pids) {
    const gpus = multiProcess ? gpuPids.get(pid) : undefined;
    // "python3 (82) · GPU 0": which GPU a rank drives is how users tell ranks apart (nsys records
    // no rank number; the launcher, with no GPU work, has no suffix).
    const label = `${procName(pid)} (${pid})${gpus ? ` · GPU ${gpus.join(', ')}` : ''}${rankOf(pid)}`;
    const tids = [...new Set(cpuTracks.filter((t) => t.pid === pid).map((t) => t.tid!))].sort((a, b) => a - b);
    const threadRows = tids.map((tid) => {
      const tname = info.threads.find((t) => t.pid === pid && t.tid === tid)?.name || `Thread ${tid}`;
      const lanes = cpuTracks
        .filter((t) => t.pid === pid && t.tid === tid)
        .sort(byLane)
        .map((t) => lane(t, 'cpu'));
      return group(`thread:${pid}/${tid}`, `${tname} (${tid})`, lanes, 'cpu');
    });
    roots.push(group(`proc:${pid}`, label, threadRows, 'cpu'));
  }
  return roots;
}

/**
 * CUDA graph executions (nsys's default graph-level trace) are drawn on their stream's kernel row,
 * where Nsight Systems shows them and where a user looks for the GPU's work: the row keeps lane
 * 'kernel' and lists the graph track after the kernel track. A stream with graph executions only
 * gets a kernel row holding just them.
 */
function mergeGraphIntoKernelRow(lanes: RowNode[]): RowNode[] {
  const graph = lanes.find((l) => l.lane === 'graph');
  if (!graph) return lanes;
  const kernel = lanes.find((l) => l.lane === 'kernel');
  if (!kernel) return lanes.map((l) => (l === graph ? { ...l, lane: 'kernel' as const } : l));
  kernel.trackIds.push(...graph.trackIds);
  return lanes.filter((l) => l !== graph);
}

export function laneHeight(node: RowNode): number {
  if (node.kind === 'group') return GROUP_ROW_PX;
  if (node.lane === 'gpu-memory') return COUNTER_ROW_PX;
  return node.lane === 'nvtx' || node.lane === 'nvtx-gpu' ? Math.max(1, node.depthCount) * NVTX_DEPTH_PX + 2 : LANE_ROW_PX;
}

/** Visible rows (children of collapsed groups are skipped) with their content y. */
export function layoutRows(roots: RowNode[], collapsed: ReadonlySet<string>): { rows: LaidRow[]; heightPx: number } {
  const rows: LaidRow[] = [];
  let y = 0;
  const walk = (n: RowNode, indent: number) => {
    const isCollapsed = n.kind === 'group' && collapsed.has(n.key);
    const h = laneHeight(n);
    rows.push({ node: n, indent, y, h, collapsed: isCollapsed });
    y += h;
    if (!isCollapsed) for (const c of n.children) walk(c, indent + 1);
  };
  for (const r of roots) walk(r, 0);
  return { rows, heightPx: y };
}

/** The visible row that shows a track: its lane row, or the nearest collapsed ancestor. */
export function rowForTrack(rows: LaidRow[], trackId: string): LaidRow | undefined {
  let best: LaidRow | undefined;
  for (const r of rows) {
    if (r.node.kind === 'lane' && r.node.trackIds.includes(trackId)) return r;
    if (r.collapsed && r.node.trackIds.includes(trackId)) best = r;
  }
  return best;
}

/** Row under a content y (binary search; rows are sorted by y). */
export function rowAtY(rows: LaidRow[], y: number): LaidRow | undefined {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = rows[mid];
    if (y < r.y) hi = mid - 1;
    else if (y >= r.y + r.h) lo = mid + 1;
    else return r;
  }
  return undefined;
}
