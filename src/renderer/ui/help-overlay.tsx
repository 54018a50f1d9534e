import { KEYS } from '../timeline/input';
import { CATEGORY_COLORS, CATEGORY_LABELS, type EventCategory } from '../../core/util/kernel-category';
import { ROW_KEYS } from './row-tree';
import { useViewer, useViewerSelector } from './viewer-context';

const hex = (c: number) => `#${c.toString(16).padStart(6, '0')}`;

export function HelpOverlay() {
  const { controller } = useViewer();
  const helpOpen = useViewerSelector((s) => s.helpOpen);
  if (!helpOpen) return null;
  return (
    <div className="help" data-testid="help" onClick={() => controller.toggleHelp(false)}>
      <div className="help-box" onClick={(e) => e.stopPropagation()}>
        <h3>Keys and mouse</h3>
        <table>
          <tbody>
            {[...KEYS, ...ROW_KEYS].map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Colours</h3>
        <div className="legend">
          {(Object.keys(CATEGORY_COLORS) as EventCategory[]).map((c) => (
            <span key={c}>
              <i style={{ background: hex(CATEGORY_COLORS[c]) }} />
              {CATEGORY_LABELS[c]}
            </span>
          ))}
        </div>
        <p>
          Lower, faded slices merge several sub-pixel events (height and opacity = busy fraction; label and colour name the event with the
          most time in them). GPU and stream rows show GPU utilisation at coarse zoom and their busy % of the visible window in their label;
          collapsed rows show a busy profile.
        </p>
      </div>
    </div>
  );
}
