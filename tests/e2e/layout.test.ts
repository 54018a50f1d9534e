// Renderer row layout and slice-cache window policy (pure code, no browser) on real TraceInfo;
// here rather than beside the renderer because it opens the trace with core/io.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openTrace } from '../../src/core/io/open-trace';
import { TraceService } from '../../src/core/service/trace-service';
import type { TraceInfo } from '../../src/shared/bridge';
import { buildRowTree, type RowNode, GROUP_ROW_PX, LANE_ROW_PX, layoutRows, rowAtY, rowForTrack } from '../../src/renderer/timeline/layout';
import { windowCovers, windowFor } from '../../src/renderer/timeline/slice-cache';
import { requireFile, tracePath } from '../helpers/paths';
import { unpackedXz } from '../helpers/xz';

let info: TraceInfo;
beforeAll(async () => {
  const svc = new TraceService();
  const { model, name } = await openTrace(resolve(__dirname, '../fixtures/nsys-2025.3/multiproc.sqlite'));
  info = svc.getTraceInfo(svc.add(model, name));
});

describe('row layout (multiproc trace: parent + 2 worker processes on one H100)', () => {
  it('groups GPU streams by process and threads by process', () => {
    const roots = buildRowTree(info);
    const gpu = roots.find((r) => r.key === 'gpu:0')!;
    expect(gpu.label).toBe('GPU 0 · NVIDIA H100 80GB HBM3');
    // Two worker processes (163, 164; nsys 2025.3) ran kernels on the GPU: GPU → process → stream.
    expect(gpu.children.map((p) => `${p.key}|${p.label}`)).toEqual(['gpuproc:0/163|python3 (163)', 'gpuproc:0/164|python3 (164)']);
    // Each process's NVTX ranges projected onto the GPU sit above its streams.
    expect(gpu.children.map((p) => p.children.map((c) => `${c.key}|${c.label}`))).toEqual([
      ['lane:gpu/0/163/nvtx-gpu|NVTX (projected)', 'stream:0/163/7|Stream 7'],
      ['lane:gpu/0/164/nvtx-gpu|NVTX (projected)', 'stream:0/164/7|Stream 7'],
    ]);
    const kernelTracks = info.tracks
      .filter((t) => t.lane === 'kernel')
      .map((t) => t.id)
      .sort();
    expect(gpu.trackIds.filter((id) => id.endsWith('/kernel')).sort()).toEqual(kernelTracks);
    const procs = roots.filter((r) => r.key.startsWith('proc:'));
    expect(procs.map((p) => p.key).sort()).toEqual(
      [...new Set(info.tracks.filter((t) => t.tid !== undefined).map((t) => `proc:${t.pid}`))].sort(),
    );
  });

  it('stacks rows, hides collapsed children and maps tracks to the collapsed row', () => {
    const roots = buildRowTree(info);
    const open = layoutRows(roots, new Set());
    for (let k = 1; k < open.rows.length; k++) expect(open.rows[k].y).toBe(open.rows[k - 1].y + open.rows[k - 1].h);
    const kernel = info.tracks.find((t) => t.lane === 'kernel')!;
    const laneRow = rowForTrack(open.rows, kernel.id)!;
    expect(laneRow.node.kind).toBe('lane');
    expect(laneRow.h).toBe(LANE_ROW_PX);
    expect(rowAtY(open.rows, laneRow.y + 3)).toBe(laneRow);

    const closed = layoutRows(roots, new Set(['gpu:0']));
    const gpuRow = rowForTrack(closed.rows, kernel.id)!;
    expect(gpuRow.node.key).toBe('gpu:0');
    expect(gpuRow.collapsed).toBe(true);
    expect(gpuRow.h).toBe(GROUP_ROW_PX);
    expect(closed.heightPx).toBeLessThan(open.heightPx);
  });
});

describe('row layout (tp2_decode: launcher + 2 tensor-parallel ranks, one H200 each)', () => {
  it('groups rows by GPU then process, and names each rank process by its GPU', async () => {
    const svc = new TraceService();
    const { model, name } = await openTrace(unpackedXz(tracePath('shared:tp2_decode.sqlite.xz')));
    const tp2 = svc.getTraceInfo(svc.add(model, name));
    const roots = buildRowTree(tp2);
    const tree = (n: RowNode): string =>
      n.children.length && n.kind === 'group' && !n.key.startsWith('stream:') ? `${n.label} [${n.children.map(tree).join(', ')}]` : n.label;
    // Kernels, copies and memsets per (device, pid, stream) from sqlite3: rank 82 on GPU 0 uses
    // streams 7, 14, 15, 145; rank 83 the same on GPU 1; the launcher (81) has no GPU work.
    expect(roots.filter((r) => r.side === 'gpu').map(tree)).toEqual([
      'GPU 0 · NVIDIA H200 [python3 (82) [NVTX (projected), Stream 7, Stream 14, Stream 15, Stream 145]]',
      'GPU 1 · NVIDIA H200 [python3 (83) [NVTX (projected), Stream 7, Stream 14, Stream 15, Stream 145]]',
    ]);
    // OSRT/CUDA API threads of processes 36 (nsys's python3), 81 (launcher), 82 and 83.
    expect(roots.filter((r) => r.side === 'cpu').map((r) => r.label)).toEqual([
      'python3 (36)',
      'python3 (81)',
      'python3 (82) · GPU 0',
      'python3 (83) · GPU 1',
    ]);
  }, 60_000);
});

describe('row layout (corpus: MPI, 4 ranks on 4 V100s with managed memory, nsys 2022.3 report)', () => {
  const REPORT = resolve(__dirname, '../../../shared/corpus/LucasGasparinoBSC__p2p_acc/mpiV100_managed.nsys-rep');
  it.runIf(existsSync('/usr/bin/nsys') || process.env.CI)(
    'shows one process per GPU, each rank under its GPU',
    async () => {
      const cache = mkdtempSync(join(tmpdir(), 'nsys-viewer-layout-cache-'));
      try {
        const svc = new TraceService();
        const { model, name } = await openTrace(requireFile(REPORT), { nsysPath: '/usr/bin/nsys', cacheDir: cache });
        const mpi = svc.getTraceInfo(svc.add(model, name));
        const roots = buildRowTree(mpi);
        // Exported by nsys 2022.4.2: pids 140065..140068 (accP2P) ran on GPUs 0..3, streams 0, 7, 20 each;
        // nsys names each rank's main thread "MPI Rank N", which the process rows repeat.
        expect(
          roots
            .filter((r) => r.side === 'gpu')
            .map((r) => `${r.label} > ${r.children.map((c) => `${c.label}: ${c.children.map((x) => x.label).join(' ')}`).join('; ')}`),
        ).toEqual(
          [0, 1, 2, 3].map(
            (d) => `GPU ${d} · Tesla V100-SXM2-16GB > accP2P (${140065 + d}) · rank ${d}: NVTX (projected) Stream 0 Stream 7 Stream 20`,
          ),
        );
        const procs = roots.filter((r) => r.side === 'cpu');
        expect(procs.map((r) => `${r.label} > ${r.children.map((c) => c.label).join(' ')}`)).toEqual(
          [0, 1, 2, 3].map((d) => `accP2P (${140065 + d}) · GPU ${d} · rank ${d} > MPI Rank ${d} (${140065 + d})`),
        );
      } finally {
        rmSync(cache, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

describe('slice cache window', () => {
  it('covers the view with ~3× its span and survives small pans and zooms', () => {
    const w = windowFor(1e9, 2e9, 1000);
    expect(w.q).toBe(2 ** Math.floor(Math.log2(1e6)));
    expect(w.t0).toBeLessThanOrEqual(0); // one span of margin: 1e9 - 1e9
    expect(w.t1).toBeGreaterThanOrEqual(3e9);
    expect(w.t1 - w.t0).toBeLessThan(5 * 1e9); // at most the margins plus a chunk each side
    expect(w.widthPx).toBe(Math.round((w.t1 - w.t0) / w.q));
    expect(windowCovers(w, 1e9, 2e9, 1000)).toBe(true);
    expect(windowCovers(w, 1.1e9, 2.1e9, 1000)).toBe(true); // pan by 10%
    expect(windowCovers(w, 1.9e9, 2.9e9, 1000)).toBe(true); // pan by 90%
    expect(windowCovers(w, 1e9, 1.9e9, 1000)).toBe(true); // zoom in 10%
    expect(windowCovers(w, 1.2e9, 1.6e9, 1000)).toBe(false); // zoom in 2.5×: finer resolution needed
    expect(windowCovers(w, 5e9, 6e9, 1000)).toBe(false); // far away
  });
});
