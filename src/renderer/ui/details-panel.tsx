import { formatNsExact } from '../../core/util/format';
import { useViewer, useViewerSelector } from './viewer-context';

/** Every column of the selected event, and its CUDA API ↔ GPU partners with a jump button. */
export function DetailsPanel() {
  const { controller, info } = useViewer();
  const selected = useViewerSelector((s) => s.selected);
  if (!selected)
    return <div className="empty">Click an event to see all its columns. Its CUDA API call or GPU work is linked by an arrow.</div>;
  const d = selected.details;
  if (!d) return <div className="empty">Loading…</div>;
  const vp = controller.viewport;
  return (
    <div className="details" data-testid="details">
      <table>
        <tbody>
          {d.fields.map(([k, v]) => (
            <tr key={k}>
              <th>{k}</th>
              <td>{typeof v === 'number' ? v.toLocaleString('en-US') : v}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {d.partners.length > 0 && (
        <div className="partners">
          <h4>{d.lane === 'cuda-api' ? 'GPU work launched by this call' : 'Launched by'}</h4>
          {d.partners.slice(0, 50).map((p) => {
            const off = p.endNs < vp.t0 || p.startNs > vp.t1;
            return (
              <div key={`${p.lane}:${p.index}`} className="partner">
                <button
                  onClick={() => {
                    controller.revealTime(p.startNs, p.endNs);
                    controller.revealTrack(p.trackId);
                    void controller.selectEvent(p.lane, p.index);
                  }}
                >
                  Jump{off ? ' (off screen)' : ''}
                </button>{' '}
                {p.name} · {formatNsExact(p.endNs - p.startNs)} at {formatNsExact(p.startNs - info.sessionStartNs)}
              </div>
            );
          })}
          {d.partners.length > 50 && <div>… {d.partners.length - 50} more</div>}
          <div className="hint">Press J to jump to the first partner.</div>
        </div>
      )}
    </div>
  );
}
