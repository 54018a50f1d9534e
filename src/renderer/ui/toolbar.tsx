import { useEffect, useState } from 'react';
import type { DesktopBridge } from '../../shared/bridge';
import { formatCursorTime } from '../timeline/ruler';
import { windowFragment } from '../../core/util/window-fragment';
import { useViewer, useViewerState } from './viewer-context';

export function Toolbar() {
  const { controller, info, bridge } = useViewer();
  const st = useViewerState();
  const [text, setText] = useState('');
  const [regex, setRegex] = useState(false);
  const [linkNote, setLinkNote] = useState<{ text: string; error: boolean } | null>(null);

  /**
   * The window shown, as a link: under serve the page's address with #from=…&to=… (written now, not
   * after the URL's debounce); in the desktop app main copies `nsys-viewer serve FILE --from --to`.
   */
  const copyLink = async () => {
    const t0 = Math.round(controller.viewport.t0 - info.sessionStartNs);
    const t1 = Math.round(controller.viewport.t1 - info.sessionStartNs);
    if ('openDialog' in bridge) {
      const r = await bridge.copyServeCommand(info.traceId, { fromNs: t0, toNs: t1 });
      setLinkNote(r.ok ? { text: `Copied: ${r.value.shown}`, error: false } : { text: r.error, error: true });
      return;
    }
    const url = `${location.origin}${location.pathname}${location.search}${windowFragment(t0, t1)}`;
    try {
      await navigator.clipboard.writeText(url);
      setLinkNote({ text: 'Copied the link to this window.', error: false });
    } catch {
      // Clipboard access needs a secure context and focus; the address bar holds the same link.
      setLinkNote({ text: "Could not reach the clipboard: copy the page's address, it holds this window.", error: true });
    }
  };
  useEffect(() => {
    if (!linkNote) return;
    const t = setTimeout(() => setLinkNote(null), 6000);
    return () => clearTimeout(t);
  }, [linkNote]);

  // Search as you type, debounced so a regex is compiled once per pause, not per key.
  useEffect(() => {
    const t = setTimeout(() => void controller.search(text, regex), 200);
    return () => clearTimeout(t);
  }, [text, regex, controller]);

  const s = st.search;
  const total = s.result?.total ?? 0;
  return (
    <div className="toolbar">
      <span className="trace-name" title={info.name}>
        {info.name}
      </span>
      <input
        id="nsys-search"
        className="search"
        placeholder={regex ? 'Regex over names…' : 'Search names…'}
        value={text}
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') void controller.nextMatch(e.shiftKey ? -1 : 1);
          if (e.key === 'Escape') (e.target as HTMLInputElement).blur();
        }}
      />
      <label className="check" title="Treat the search text as a regular expression">
        <input type="checkbox" checked={regex} onChange={(e) => setRegex(e.target.checked)} /> .*
      </label>
      <label className="check" title="Show only the rows holding a match while searching (non-matching slices are dimmed either way)">
        <input
          type="checkbox"
          data-testid="filter-rows"
          checked={st.filterRows}
          onChange={(e) => controller.setFilterRows(e.target.checked)}
        />{' '}
        rows
      </label>
      <button onClick={() => void controller.nextMatch(-1)} disabled={total === 0} title="Previous match (Shift+N)">
        ◀
      </button>
      <button onClick={() => void controller.nextMatch(1)} disabled={total === 0} title="Next match (N)">
        ▶
      </button>
      <span className="match-count" data-testid="match-count">
        {s.error ? (
          <span className="error">{s.error}</span>
        ) : s.result ? (
          `${s.current >= 0 ? `${s.current + 1} / ` : ''}${total} match${total === 1 ? '' : 'es'}`
        ) : (
          ''
        )}
      </span>
      <span className="spacer" />
      <span className="cursor" data-testid="cursor">
        {st.cursorNs !== null ? formatCursorTime(st.cursorNs - info.sessionStartNs) : ''}
      </span>
      {'openDialog' in bridge && (
        <button onClick={() => void (bridge as DesktopBridge).openDialog()} title="Open another trace in a new window">
          Open…
        </button>
      )}
      {linkNote && (
        <span className={linkNote.error ? 'error' : 'hint'} data-testid="copy-link-note">
          {linkNote.text}
        </span>
      )}
      <button
        onClick={() => void copyLink()}
        data-testid="copy-link"
        title={
          'openDialog' in bridge
            ? 'Copy `nsys-viewer serve FILE --from MS --to MS` that opens this window in a browser'
            : 'Copy a link to this window (#from=…&to=… in ms since session start)'
        }
      >
        Copy link
      </button>
      <button onClick={() => controller.fit()} title="Fit all (F)">
        Fit
      </button>
      <button onClick={() => controller.toggleHelp()} title="Keyboard help (?)">
        ?
      </button>
    </div>
  );
}
