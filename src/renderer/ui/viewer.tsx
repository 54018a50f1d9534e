import { useEffect, useMemo, useRef, useState } from 'react';
import type { NsysBridge, TraceInfo } from '../../shared/bridge';
import { TimelineController } from '../timeline/controller';
import { installAutomationApi, uninstallAutomationApi } from '../automation-api';
import { parseWindowFragment, windowFragment } from '../../core/util/window-fragment';
import { BottomPanel } from './bottom-panel';
import { HelpOverlay } from './help-overlay';
import { RowTree } from './row-tree';
import { Toolbar } from './toolbar';
import { Tooltip } from './tooltip';
import { useViewer, useViewerSelector, ViewerContext, type ViewerApi } from './viewer-context';

/** One open trace: toolbar, row tree + canvas, bottom panel. The controller lives as long as this. */
export function Viewer({ bridge, info }: { bridge: NsysBridge; info: TraceInfo }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [controller, setController] = useState<TimelineController | null>(null);
  const [tab, setTab] = useState('details');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const host = hostRef.current!;
    const c = new TimelineController(host, bridge, info);
    let live = true;
    // Only the serve page has an address to share; the desktop app's is a file:// of its own bundle.
    const followsUrl = !('openDialog' in bridge) && typeof history !== 'undefined';
    let stopUrl = () => {};
    c.init().then(
      () => {
        if (!live) return;
        if (followsUrl) {
          // A link with #from=…&to=… opens at that window (ms since session start, exact to the ns).
          const w = parseWindowFragment(location.hash);
          if (w) {
            c.viewport.showExactly(w.fromNs + info.sessionStartNs, w.toNs + info.sessionStartNs);
            c.viewChanged();
          }
          stopUrl = followViewInUrl(c, info.sessionStartNs);
        }
        installAutomationApi(c);
        setController(c);
      },
      (e: Error) => setError(`Could not start WebGL: ${e.message}`),
    );
    return () => {
      live = false;
      stopUrl();
      uninstallAutomationApi(c);
      c.destroy();
    };
  }, [bridge, info]);

  const api = useMemo<ViewerApi | null>(
    () =>
      controller && {
        bridge,
        traceId: info.traceId,
        info,
        controller,
        selectEvent: (lane, index) => {
          void controller.selectEvent(lane, index);
          setTab('details');
        },
        revealTime: (t0, t1) => controller.revealTime(t0, t1),
        revealTrack: (id) => controller.revealTrack(id),
        setRange: (r) => controller.setRange(r),
      },
    [controller, bridge, info],
  );

  // A new range or selection brings its tab forward.
  useEffect(() => {
    if (!controller) return;
    let last = controller.state;
    return controller.subscribe(() => {
      const s = controller.state;
      if (s.range !== last.range && s.range) setTab('range');
      else if (s.selected !== last.selected && s.selected) setTab('details');
      last = s;
    });
  }, [controller]);

  return (
    <div className="viewer">
      {api ? (
        <ViewerContext.Provider value={api}>
          <Toolbar />
        </ViewerContext.Provider>
      ) : (
        <div className="toolbar" />
      )}
      <div className="main">
        {api ? (
          <ViewerContext.Provider value={api}>
            <RowTree />
          </ViewerContext.Provider>
        ) : (
          <div className="row-tree" />
        )}
        <div className="canvas-host" ref={hostRef} data-testid="timeline" />
      </div>
      {error && <div className="error banner">{error}</div>}
      {api && (
        <ViewerContext.Provider value={api}>
          <StatusError />
          <BottomPanel tab={tab} setTab={setTab} />
          <Tooltip />
          <HelpOverlay />
        </ViewerContext.Provider>
      )}
    </div>
  );
}

/** How long the view must rest before the address bar follows it (replaceState is not free, and pans fire per frame). */
export const URL_FOLLOW_DELAY_MS = 250;

/**
 * Keeps the page URL's fragment on the shown window (history.replaceState, so Back is not flooded),
 * debounced; the query (?token=) stays as it is.
 */
function followViewInUrl(c: TimelineController, sessionStartNs: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const write = () => {
    const hash = windowFragment(c.viewport.t0 - sessionStartNs, c.viewport.t1 - sessionStartNs);
    if (hash !== location.hash) history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`);
  };
  const off = c.onViewChange(() => {
    clearTimeout(timer);
    timer = setTimeout(write, URL_FOLLOW_DELAY_MS);
  });
  return () => {
    clearTimeout(timer);
    off();
  };
}

/** Bridge errors (e.g. a failed slice fetch) as a dismissible banner. */
function StatusError() {
  const { controller } = useViewer();
  const error = useViewerSelector((s) => s.error);
  if (!error) return null;
  return (
    <div className="error banner" onClick={() => controller.setState({ error: null })} title="Click to dismiss">
      {error}
    </div>
  );
}
