import { describe, expect, it } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import { busyOf, gpuWorkByPid } from '../src/core/steps/gpu-work';
import { gpuIdleGaps } from '../src/core/summary/idle-gaps';
import { tracePath } from './helpers/paths';
import { unpackedXz } from './helpers/xz';

/**
 * tp2_decode (nsys 2025.3.1, 2 H200s): rank 82 on GPU 0, rank 83 on GPU 1. From sqlite3:
 *   per (deviceId, pid): 8885 kernels, 311 copies (streams 7/14/15: 165 + 98 + 48), 164 memsets (64 + 98 + 2)
 *   union of kernel + memcpy + memset intervals (gaps-and-islands with window functions):
 *     GPU 0: busy 137643924 ns, 9813109629 .. 19182703797, 102 gaps ≥ 1 ms totalling 8607392739 ns
 *     GPU 1: busy 1450216898 ns, 9813090660 .. 19182384734, 99 gaps ≥ 1 ms totalling 7828384762 ns
 */
describe('GPU work intervals per device and process (tp2_decode)', () => {
  it('groups every kernel, copy and memset by (device, pid), and the idle gaps agree with sqlite3', async () => {
    const { model } = await openTrace(unpackedXz(tracePath('shared:tp2_decode.sqlite.xz')));
    // Each rank's process runs on one GPU: its list is its (device, pid) group.
    const groups = [...gpuWorkByPid(model).values()].sort((a, b) => a.deviceId[0] - b.deviceId[0]);
    for (const g of groups) expect(g.deviceId.every((d) => d === g.deviceId[0])).toBe(true);
    expect(groups.map((g) => [g.deviceId[0], g.pid, g.count])).toEqual([
      [0, 82, 9360],
      [1, 83, 9360],
    ]);
    expect(groups.map((g) => busyOf(g).totalNs)).toEqual([137643924, 1450216898]);
    expect(gpuIdleGaps(model, 1_000_000).map((d) => [d.device_id, d.busy_ns, d.first_ns, d.last_ns, d.gap_count, d.gap_total_ns])).toEqual([
      [0, 137643924, 9813109629, 19182703797, 102, 8607392739],
      [1, 1450216898, 9813090660, 19182384734, 99, 7828384762],
    ]);
  }, 60_000);
});
