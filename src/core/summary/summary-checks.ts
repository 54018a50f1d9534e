import { NvtxStyle, type TraceModel } from '../model/types';
import type { StatsReport, StatsReportName } from '../stats/types';
import type { TraceSummary } from './summary';

/** One cross-check of a figure of ours against another computation of it. */
export interface SummaryCheck {
  name: string;
  ours: number | string;
  reference: number | string;
  /** What the reference is: a stats report (named) or our own other sum ("self"). */
  source: string;
  ok: boolean;
}

type Refs = Partial<Record<StatsReportName, StatsReport>>;

/** Values of a report column by header; undefined when the report lacks the column. */
function column(r: StatsReport, header: string): (string | number)[] | undefined {
  const c = r.columns.indexOf(header);
  return c < 0 ? undefined : r.rows.map((row) => row[c]);
}

function rowBy(r: StatsReport, keyHeader: string, match: (key: string) => boolean): Record<string, string | number> | undefined {
  const c = r.columns.indexOf(keyHeader);
  if (c < 0) return undefined;
  const row = r.rows.find((x) => match(String(x[c])));
  return row && Object.fromEntries(r.columns.map((h, i) => [h, row[i]]));
}

/** Every range named `name` of one style (push/pop or start/end), whatever its depth or thread. */
function nvtxTotals(model: TraceModel, name: string, style: NvtxStyle): { totalNs: number; ranges: number } {
  const { nvtx, strings } = model;
  let totalNs = 0;
  let ranges = 0;
  for (let i = 0; i < nvtx.count; i++) {
    if (nvtx.style[i] !== style || strings[nvtx.nameId[i]] !== name) continue;
    totalNs += nvtx.endNs[i] - nvtx.startNs[i];
    ranges++;
  }
  return { totalNs, ranges };
}

const sum = (v: (string | number)[]) => v.reduce<number>((a, x) => a + Number(x), 0);

/**
 * Checks of the summary's totals. Against the references (nsys stats reports, NVIDIA's CSV or ours
 * from src/core/stats), integers must match exactly and MB to nsys's 3 decimals; against ourselves,
 * sums taken two ways must agree. A failing check means one of the two computations is wrong.
 */
export function buildChecks(model: TraceModel, sm: TraceSummary, refs: Refs, refSource: string): SummaryCheck[] {
  const out: SummaryCheck[] = [];
  const eq = (name: string, ours: number | string, reference: number | string, source: string) =>
    out.push({ name, ours, reference, source, ok: String(ours) === String(reference) });

  // Self checks: figures that bound each other.
  eq('memory ops: rows analysed = memcpy + memset rows', sm.gpu.memcpy.count, model.memcpy.count + model.memset.count, 'self');
  for (const d of sm.gpu.idle_gaps.devices) {
    out.push({
      name: `GPU ${d.device_id}: busy + idle gaps <= active span`,
      ours: d.busy_ns + d.gap_total_ns,
      reference: d.last_ns - d.first_ns,
      source: 'self',
      ok: d.busy_ns + d.gap_total_ns <= d.last_ns - d.first_ns,
    });
  }

  const kern = refs.cuda_gpu_kern_sum;
  if (kern) {
    const src = `${refSource} cuda_gpu_kern_sum`;
    const totals = column(kern, 'Total Time (ns)');
    const inst = column(kern, 'Instances');
    if (totals) eq('kernels: total ns', sm.gpu.kernels.total_ns, sum(totals), src);
    if (inst) eq('kernels: count', sm.gpu.kernels.count, sum(inst), src);
    for (const t of sm.gpu.kernels.top.slice(0, 5)) {
      const row = rowBy(kern, 'Name', (n) => n === t.name);
      if (!row) out.push({ name: `kernel "${t.name.slice(0, 60)}": present`, ours: 'yes', reference: 'missing', source: src, ok: false });
      else {
        eq(`kernel "${t.name.slice(0, 60)}": total ns`, t.total_ns, Number(row['Total Time (ns)']), src);
        eq(`kernel "${t.name.slice(0, 60)}": instances`, t.count, Number(row['Instances']), src);
      }
    }
  }

  const memTime = refs.cuda_gpu_mem_time_sum;
  const memSize = refs.cuda_gpu_mem_size_sum;
  for (const g of sm.gpu.memcpy.by_op) {
    const t = memTime && rowBy(memTime, 'Operation', (n) => n === g.op);
    if (memTime) {
      const src = `${refSource} cuda_gpu_mem_time_sum`;
      if (!t) out.push({ name: `${g.op}: present`, ours: 'yes', reference: 'missing', source: src, ok: false });
      else {
        eq(`${g.op}: total ns`, g.total_ns, Number(t['Total Time (ns)']), src);
        eq(`${g.op}: count`, g.count, Number(t['Count']), src);
      }
    }
    const z = memSize && rowBy(memSize, 'Operation', (n) => n === g.op);
    if (memSize) {
      const src = `${refSource} cuda_gpu_mem_size_sum`;
      if (!z) out.push({ name: `${g.op}: present`, ours: 'yes', reference: 'missing', source: src, ok: false });
      else eq(`${g.op}: total MB (10^6 B, 3 decimals)`, (g.bytes / 1e6).toFixed(3), Number(z['Total (MB)']).toFixed(3), src);
    }
  }

  const nvtx = refs.nvtx_sum;
  if (nvtx) {
    const src = `${refSource} nvtx_sum`;
    // nvtx_sum names a range "domain:text"; the default domain prints as ":text" (nsys 2025.3).
    // nvtx_sum counts every range of a name and style, at any depth on any thread; a phase taken
    // from top-level ranges leaves out the same name nested elsewhere (top-level on the main
    // thread, nested in a worker's "step"). So the check sums the name as nvtx_sum does.
    for (const p of sm.phases) {
      const row = rowBy(nvtx, 'Range', (r) => r === p.name || r.endsWith(':' + p.name));
      if (!row) continue; // nvtx_sum keeps only PushPop/StartEnd ranges it could pair
      const all = nvtxTotals(model, p.name, row['Style'] === 'StartEnd' ? NvtxStyle.StartEnd : NvtxStyle.PushPop);
      const nested = all.ranges !== p.ranges ? ` (all ${all.ranges} ranges of the name, any depth)` : '';
      eq(`NVTX "${p.name}": total ns${nested}`, all.totalNs, Number(row['Total Time (ns)']), src);
      eq(`NVTX "${p.name}": instances${nested}`, all.ranges, Number(row['Instances']), src);
    }
  }

  const osrt = refs.osrt_sum;
  if (osrt) {
    const src = `${refSource} osrt_sum`;
    for (const w of sm.cpu.wait_calls.top) {
      const row = rowBy(osrt, 'Name', (n) => n === w.name);
      if (!row) out.push({ name: `${w.name}: present`, ours: 'yes', reference: 'missing', source: src, ok: false });
      else {
        eq(`${w.name}: total ns`, w.total_ns, Number(row['Total Time (ns)']), src);
        eq(`${w.name}: calls`, w.calls, Number(row['Num Calls']), src);
      }
    }
  }
  return out;
}
