import { useEffect, useState, type ReactNode } from 'react';
import { fileStem, recordsCsv, summaryTables } from '../../core/export/table-export';
import { formatBytes, formatDurationNs } from '../../core/util/format';
import type { TraceSummary } from '../../shared/bridge';
import { useViewer } from '../ui/viewer-context';
import { SortableTable } from './sortable-table';
import { TableExportButtons } from './table-export-buttons';

/**
 * `nsys-viewer summary` in the viewer (src/core/summary): capture window, NVTX phases, top kernels,
 * memory ops by direction and memory kind, CPU wait time by OS call, GPU idle gaps at least as long
 * as the threshold typed here (click one to show it on the timeline), and the cross-checks of the
 * totals against the nsys stats reports, each ok or mismatch.
 */
const dur = (ns: number) => formatDurationNs(ns);
const pct = (v: number) => `${v.toFixed(1)}%`;

function Section({ title, children, testId, actions }: { title: string; children: ReactNode; testId?: string; actions?: ReactNode }) {
  return (
    <section data-testid={testId} style={{ marginBottom: 10 }}>
      <h4 style={{ margin: '6px 0 3px' }}>
        {title}
        {actions}
      </h4>
      {children}
    </section>
  );
}

export function SummaryPanel() {
  const { bridge, traceId, info, revealTime } = useViewer();
  const [gapMs, setGapMs] = useState('1');
  const [summary, setSummary] = useState<TraceSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const gapNs = Number(gapMs) * 1e6;
  const gapValid = gapMs.trim() !== '' && Number.isFinite(gapNs) && gapNs >= 0;

  useEffect(() => {
    if (!gapValid) return;
    let live = true;
    const t = setTimeout(() => {
      void bridge.getSummary(traceId, { idleGapThresholdNs: Math.round(gapNs) }).then((r) => {
        if (!live) return;
        if (r.ok) {
          setSummary(r.value);
          setError(null);
        } else setError(r.error);
      });
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [bridge, traceId, gapNs, gapValid]);

  if (error) return <div className="error">{error}</div>;
  if (!summary) return <div className="loading">Summarising…</div>;
  const s = summary;
  const bad = s.checks.filter((c) => !c.ok);
  const ms = (ns: number) => ((ns - info.sessionStartNs) / 1e6).toFixed(3);
  const stem = fileStem(info.name);
  const tables = new Map(summaryTables(s).map((t) => [t.table, t.records]));
  /** CSV/JSON buttons for one of the summary's tables: the records `summary --json` holds, under the same field names. */
  const exportOf = (table: string) => (
    <TableExportButtons
      testId={`summary-export-${table}`}
      make={(format) => {
        const records = tables.get(table) ?? [];
        return {
          fileName: `${stem}_summary_${table}.${format}`,
          data: format === 'csv' ? recordsCsv(records) : `${JSON.stringify(records, null, 2)}\n`,
        };
      }}
    />
  );

  return (
    <div className="summary-panel" data-testid="summary-panel">
      <Section
        title="Capture"
        testId="summary-capture"
        actions={
          <TableExportButtons
            testId="summary-export-all"
            // The whole summary, as `nsys-viewer summary --json` writes it (CSV: one row per table cell is no table; JSON only).
            make={(format) =>
              format === 'json'
                ? { fileName: `${stem}_summary.json`, data: `${JSON.stringify(s, null, 2)}\n` }
                : { fileName: `${stem}_summary_counts.csv`, data: recordsCsv([{ ...s.run, ...s.counts }]) }
            }
          />
        }
      >
        <div>
          Window {dur(s.run.capture_window_ns)} ({s.run.capture_window_ns} ns) · nsys {s.run.export_version ?? 'unknown'} ·{' '}
          {s.counts.kernels} kernels, {s.counts.graph_execs ? `${s.counts.graph_execs} CUDA graph executions, ` : ''}
          {s.counts.memcpy} memcpy, {s.counts.memset} memset, {s.counts.cuda_api} CUDA API calls, {s.counts.nvtx} NVTX, {s.counts.osrt} OS
          runtime
        </div>
        <div data-testid="summary-checks" className={bad.length ? 'error' : undefined}>
          Checks: {s.checks.length - bad.length}/{s.checks.length} ok{bad.length ? ` — ${bad.length} mismatch` : ''}
        </div>
      </Section>

      <Section title={`NVTX phases (${s.phase_source})`} testId="summary-phases" actions={exportOf('phases')}>
        {s.phases.length === 0 ? (
          <div className="empty">No NVTX ranges.</div>
        ) : (
          <SortableTable
            columns={['Phase', 'Total', '% of window', 'Ranges']}
            rows={s.phases.map((p) => [p.name, p.total_ns, p.pct_of_capture_window, p.ranges])}
            render={{ 1: (v) => dur(Number(v)), 2: (v) => pct(Number(v)) }}
            maxRows={50}
          />
        )}
      </Section>

      <Section
        title={`Top kernels (${s.gpu.kernels.count} kernels, ${dur(s.gpu.kernels.total_ns)} GPU time)`}
        testId="summary-kernels"
        actions={exportOf('top_kernels')}
      >
        {s.gpu.kernels.top.length === 0 ? (
          <div className="empty">No kernels.</div>
        ) : (
          <SortableTable
            columns={['Kernel', 'Total', 'Count', 'Avg']}
            rows={s.gpu.kernels.top.map((k) => [k.name, k.total_ns, k.count, Math.round(k.total_ns / k.count)])}
            render={{ 1: (v) => dur(Number(v)), 3: (v) => dur(Number(v)) }}
          />
        )}
      </Section>

      <Section
        title={`Memory ops (${s.gpu.memcpy.count}, ${dur(s.gpu.memcpy.total_ns)}, ${s.gpu.memcpy.total_mb.toFixed(3)} MB)`}
        testId="summary-memcpy"
        actions={exportOf('memory_ops')}
      >
        {s.gpu.memcpy.by_kind.length === 0 ? (
          <div className="empty">No memcpy or memset.</div>
        ) : (
          <SortableTable
            columns={['Direction', 'Source', 'Destination', 'Count', 'Bytes', 'GPU time', 'GB/s']}
            rows={s.gpu.memcpy.by_kind.map((g) => [
              g.direction,
              g.srcKind,
              g.dstKind,
              g.count,
              g.bytes,
              g.totalDmaNs,
              Number(g.gbps.toFixed(2)),
            ])}
            render={{ 4: (v) => formatBytes(Number(v)), 5: (v) => dur(Number(v)) }}
          />
        )}
      </Section>

      <Section title="CPU wait time by OS call (summed over threads)" testId="summary-waits" actions={exportOf('wait_calls')}>
        {!s.cpu.wait_calls.present ? (
          <div className="empty">{s.cpu.wait_calls.notes[0]}</div>
        ) : (
          <SortableTable
            columns={['Call', 'Total', 'Calls', '% of window']}
            rows={s.cpu.wait_calls.top.map((w) => [w.name, w.total_ns, w.calls, w.pct_thread_summed_vs_window])}
            render={{ 1: (v) => dur(Number(v)), 3: (v) => pct(Number(v)) }}
          />
        )}
      </Section>

      <Section title="GPU idle gaps" testId="summary-gaps" actions={exportOf('idle_gaps')}>
        <label className="check" style={{ fontFamily: 'inherit' }}>
          at least{' '}
          <input
            type="number"
            min={0}
            step="any"
            value={gapMs}
            onChange={(e) => setGapMs(e.target.value)}
            style={{ width: 70 }}
            data-testid="summary-gap-ms"
          />{' '}
          ms
        </label>
        {!gapValid && <div className="error">The threshold must be a number of ms ≥ 0.</div>}
        {s.gpu.idle_gaps.devices.length === 0 && <div className="empty">No GPU activity.</div>}
        {s.gpu.idle_gaps.devices.map((d) => (
          <div key={d.device_id} data-testid={`summary-gaps-gpu-${d.device_id}`}>
            <div>
              GPU {d.device_id}: <b data-testid="summary-gap-count">{d.gap_count}</b> gaps ≥ {dur(s.gpu.idle_gaps.threshold_ns)},{' '}
              {dur(d.gap_total_ns)} idle of {dur(d.last_ns - d.first_ns)} active span (busy {dur(d.busy_ns)})
            </div>
            <SortableTable
              columns={['Gap', 'From (ms)', 'To (ms)']}
              rows={d.largest.map((g) => [g.duration_ns, ms(g.start_ns), ms(g.end_ns)])}
              render={{ 0: (v) => dur(Number(v)) }}
              onRowClick={(_row, i) => revealTime(d.largest[i].start_ns, d.largest[i].end_ns)}
            />
          </div>
        ))}
      </Section>

      <Section
        title="Checks (our totals against the nsys stats reports and against each other)"
        testId="summary-check-list"
        actions={exportOf('checks')}
      >
        <SortableTable
          columns={['Check', 'Ours', 'Reference', 'Source', 'Result']}
          rows={s.checks.map((c) => [c.name, c.ours, c.reference, c.source, c.ok ? 'ok' : 'mismatch'])}
          render={{ 4: (v) => <span className={v === 'ok' ? undefined : 'error'}>{v}</span> }}
          maxRows={500}
        />
      </Section>
    </div>
  );
}
