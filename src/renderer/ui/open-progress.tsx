import { phaseLabel } from '../../shared/open-phases';

/**
 * The loading screen's bar (issue 14): the phase in words ("Reading tables"), what it is at (a table
 * and its rows so far), a real progress bar and Cancel. Also the viewer's strip while CPU rows load.
 */
export function OpenProgressBar({
  name,
  phase,
  fraction,
  message,
  onCancel,
  testId = 'open-progress',
  className = 'open-progress',
}: {
  name: string;
  phase: string;
  fraction: number;
  message?: string;
  onCancel?: () => void;
  testId?: string;
  className?: string;
}) {
  const pct = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  return (
    <div className={className} data-testid={testId} role="status">
      <div className="open-progress-title">
        Opening {name || 'trace'}: <span data-testid="open-phase">{phaseLabel(phase)}</span> {pct}%
      </div>
      <progress max={1} value={fraction} aria-label={`${phaseLabel(phase)} ${pct}%`} />
      {message && <div className="open-progress-detail">{message}</div>}
      {onCancel && (
        <button className="open-progress-cancel" data-testid="open-cancel" onClick={onCancel}>
          Cancel
        </button>
      )}
    </div>
  );
}
