import { formatDurationNs } from '../../core/util/format';
import { useViewer, useViewerSelector } from './viewer-context';

/** Search hits in time order (first 500); click to reveal and select. */
export function SearchPanel() {
  const { controller, info } = useViewer();
  const search = useViewerSelector((s) => s.search);
  const filterRows = useViewerSelector((s) => s.filterRows);
  if (!search.result)
    return (
      <div className="empty">
        Type in the search box (Ctrl+F). Matching slices are outlined in yellow and the others dimmed; N / Shift+N step through them; “rows”
        beside the box keeps only the rows holding a match.
      </div>
    );
  const { hits, total } = search.result;
  return (
    <div className="search-hits">
      <div>
        {total} matches{hits.length < total ? ` (first ${hits.length} listed)` : ''} on {search.result.trackIds.length} tracks{' '}
        <label className="check inline" title="Show only the rows holding a match">
          <input type="checkbox" checked={filterRows} onChange={(e) => controller.setFilterRows(e.target.checked)} /> show only these rows
        </label>
      </div>
      <table className="grid">
        <tbody>
          {hits.slice(0, 500).map((h, i) => (
            <tr
              key={`${h.lane}:${h.index}`}
              className={i === search.current ? 'current' : ''}
              onClick={() => {
                controller.setState({ search: { ...search, current: i } });
                controller.revealTime(h.startNs, h.endNs);
                controller.revealTrack(h.trackId);
                void controller.selectEvent(h.lane, h.index);
              }}
            >
              <td>{formatDurationNs(h.startNs - info.sessionStartNs)}</td>
              <td>{h.lane}</td>
              <td className="name">{h.name}</td>
              <td className="num">{formatDurationNs(h.endNs - h.startNs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
