// Search by exact kernel name (SearchQuery.match 'kernel-name'), what the compare view's kernel rows
// highlight: template instances that share a short name are told apart, as nsys stats tells them apart.
import { beforeAll, expect } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { TraceService } from '../../src/core/service/trace-service';
import { requireFile, tracePath } from '../helpers/paths';
import { describeShared, itShared } from '../helpers/shared-traces';

/*
 * sqlite3 llm_eager_pinned_capture.sqlite:
 *   select count(*), count(distinct demangledName) from CUPTI_ACTIVITY_KIND_KERNEL k join StringIds s on s.id=k.shortName
 *    where s.value='reduce_kernel';                                        → 1539 | 6
 *   select count(*) from CUPTI_ACTIVITY_KIND_KERNEL k join StringIds d on d.id=k.demangledName where d.value=MAX_NAN;  → 48
 *   select k.start from ... where d.value=MAX_NAN order by k.start limit 1;                                         → 53686909
 */
const MAX_NAN =
  'void at::native::reduce_kernel<(int)512, (int)1, at::native::ReduceOp<long, at::native::func_wrapper_t<long, at::native::MaxNanFunctor<long>>, unsigned int, long, (int)4, (int)4>>(T3)';

describeShared('search by exact kernel name', () => {
  const service = new TraceService();
  let id = '';
  beforeAll(async () => {
    const t = await openTrace(requireFile(tracePath('shared:llm_eager_pinned_capture.sqlite')));
    id = service.add(t.model, t.name);
  }, 60_000);

  itShared('finds one template instance, not every kernel of its short name', () => {
    expect(service.search(id, { text: '^reduce_kernel$', regex: true }).total).toBe(1539);
    const r = service.search(id, { text: MAX_NAN, regex: false, match: 'kernel-name', limit: 5 });
    expect(r.total).toBe(48);
    expect(r.hits).toHaveLength(5);
    expect(r.hits[0]).toMatchObject({ lane: 'kernel', startNs: 53686909, name: 'reduce_kernel' });
    expect(r.nameIds).toHaveLength(1);
    // Exact: a prefix of the name is no match.
    expect(service.search(id, { text: MAX_NAN.slice(0, -1), regex: false, match: 'kernel-name' }).total).toBe(0);

    // The kernel row's slices carry that name's id for the timeline to match on.
    const h = r.hits[0];
    const [s] = service.getSlices(id, [{ trackId: h.trackId, t0: h.startNs - 1000, t1: h.endNs + 1000, widthPx: 100 }]);
    const k = Array.from(s.repIndex).indexOf(h.index);
    expect(k).toBeGreaterThanOrEqual(0);
    expect(s.kernelNameId?.[k]).toBe(r.nameIds[0]);
    expect(() => service.search(id, { text: 'x', regex: false, match: 'exact' as 'name' })).toThrow(
      'Invalid search match: use "name" or "kernel-name".',
    );
  });
});
