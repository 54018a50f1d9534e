import type { DurNs, Ns } from '../model/types';
import type { RunComparison } from './compare-runs';

/**
 * Where two compared runs are lined up. Two runs share no clock (each trace counts from its own
 * session start), so the compare view and `diff --align` put one chosen point of A and of B at the
 * same x: the start of step N (steps matched by index, as compare-runs matches them) or the start of
 * the first NVTX phase range of a name (phases matched by name). B's time is A's time + offsetNs.
 */
export type AlignSpec = { by: 'step'; index: number } | { by: 'phase'; name: string };

export interface Alignment {
  spec: AlignSpec;
  /** For people: "step 1 (decode / decode)", "phase:decode". */
  label: string;
  startNsA: Ns;
  startNsB: Ns;
  /** startNsB − startNsA. */
  offsetNs: number;
  /** The longer of the two aligned spans (step wall or the phase's first range). */
  spanNs: DurNs;
}

export class AlignError extends Error {}

/** `step:N` or `phase:NAME` (the text of `--align` and of the compare view's choice). */
export function formatAlignSpec(spec: AlignSpec): string {
  return spec.by === 'step' ? `step:${spec.index}` : `phase:${spec.name}`;
}

export function parseAlignSpec(text: string): AlignSpec {
  const step = /^step:(\d+)$/.exec(text);
  if (step) return { by: 'step', index: Number(step[1]) };
  if (text.startsWith('phase:') && text.length > 'phase:'.length) return { by: 'phase', name: text.slice('phase:'.length) };
  throw new AlignError(`Alignment "${text}" is neither step:N nor phase:NAME (e.g. step:1, phase:decode).`);
}

/** Every point both sides have: steps present on both, then phases present on both. */
export function alignChoices(c: RunComparison): AlignSpec[] {
  const out: AlignSpec[] = [];
  for (const s of c.steps) if (s.startNsA !== null && s.startNsB !== null) out.push({ by: 'step', index: s.index });
  for (const p of c.phases) if (p.firstStartNsA !== null && p.firstStartNsB !== null) out.push({ by: 'phase', name: p.name });
  return out;
}

/**
 * The default: the first step both runs call decode (time per token is what LLM runs are compared
 * on; step 0 is usually prefill or warm-up), else the first common step, else the first common
 * phase; null when the runs share neither.
 */
export function defaultAlignSpec(c: RunComparison): AlignSpec | null {
  const decode = c.steps.find((s) => s.kindA === 'decode' && s.kindB === 'decode' && s.startNsA !== null && s.startNsB !== null);
  if (decode) return { by: 'step', index: decode.index };
  return alignChoices(c)[0] ?? null;
}

/**
 * The alignment a spec names. A phase name matches exactly, else with the `phase:` prefix nsys
 * users give their ranges (so `phase:decode` finds the range "phase:decode" as well as "decode").
 */
export function resolveAlignment(c: RunComparison, spec: AlignSpec): Alignment {
  if (spec.by === 'step') {
    const s = c.steps[spec.index];
    if (!s || s.startNsA === null || s.startNsB === null) {
      const common = c.steps.filter((x) => x.startNsA !== null && x.startNsB !== null).length;
      throw new AlignError(
        common
          ? `No step ${spec.index} on both sides: steps 0 to ${common - 1} are.`
          : `${c.a.file} and ${c.b.file} have no steps in common: align at a phase (phase:NAME) instead.`,
      );
    }
    return {
      spec,
      label: `step ${s.index} (${s.kindA ?? '-'} / ${s.kindB ?? '-'})`,
      startNsA: s.startNsA,
      startNsB: s.startNsB,
      offsetNs: s.startNsB - s.startNsA,
      spanNs: Math.max(s.wallNsA ?? 0, s.wallNsB ?? 0),
    };
  }
  const both = c.phases.filter((p) => p.firstStartNsA !== null && p.firstStartNsB !== null);
  const p = both.find((x) => x.name === spec.name) ?? both.find((x) => x.name === `phase:${spec.name}`);
  if (!p || p.firstStartNsA === null || p.firstStartNsB === null) {
    throw new AlignError(
      both.length
        ? `No phase "${spec.name}" on both sides; phases on both: ${both.map((x) => x.name).join(', ')}.`
        : `${c.a.file} and ${c.b.file} have no NVTX phase in common: align at a step (step:N) instead.`,
    );
  }
  return {
    spec: { by: 'phase', name: p.name },
    label: p.name,
    startNsA: p.firstStartNsA,
    startNsB: p.firstStartNsB,
    offsetNs: p.firstStartNsB - p.firstStartNsA,
    spanNs: Math.max(p.firstWallNsA ?? 0, p.firstWallNsB ?? 0),
  };
}
