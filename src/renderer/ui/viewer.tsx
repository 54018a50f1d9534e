import { useEffect, useMemo, useRef, useState } from 'react';
import type { NsysBridge, TraceInfo } from '../../shared/bridge';
import { TimelineController } from '../timeline/controller';
import { OpenProgressBar } from './open-progress';
import { installAutomationApi, uninstallAutomationApi } from '../automation-api';
import { parseWindowFragment, windowFragment } from '../../core/util/window-fragment';
import { BOTTOM_PANEL_PX, BottomPanel } from './bottom-panel';
import { HelpOverlay } from './help-overlay';
import { RowTree } from './row-tree';
import { Toolbar } from './toolbar';
import { Tooltip } from './tooltip';
import { useViewer, useViewerSelector, ViewerContext, type ViewerApi } from './viewer-context';

/** How often the viewer asks whether a trace's CPU rows have landed (issue 15). */
const LOADING_POLL_MS = 250;

/**
 * One open trace: toolbar, row tree + canvas, bottom panel. The controller lives as long as this.
 * A trace shown from its GPU rows first (`info.loading`) gets its CPU rows when they land: the
 * viewer asks for the trace info until it is whole, shows the phase meanwhile (with Cancel), then
 * hands the whole info to the controller, which adds the rows.
 */
export function Viewer({
  bridge,
  info,
  onCancelLoading,
}: {
  bridge: NsysBridge;
  info: TraceInfo;
  /** Cancel while the CPU rows load (the open id where the host gave one). */
  onCancelLoading?: (openId?: string) => void;
}) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [controller, setController] = useState<TimelineController | null>(null);
  const [liveInfo, setLiveInfo] = useState(info);
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

  // Progressive load: ask until the trace is whole.
  const loading = liveInfo.loading !== undefined;
  useEffect(() => {
    if (!loading) return;
    let live = true;
    const timer = setInterval(() => {
      void bridge.getTraceInfo(info.traceId).then((r) => {
        if (!live) return;
        if (r.ok) return setLiveInfo(r.value);
        // The rest of the trace failed to load (the host dropped it): say so, stop asking.
        setError(r.error);
        setLiveInfo((i) => ({ ...i, loading: undefined }));
      });
    }, LOADING_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [bridge, info.traceId, loading]);
  useEffect(() => {
    if (controller && !liveInfo.loading && controller.info !== liveInfo) controller.updateInfo(liveInfo);
  }, [controller, liveInfo]);

  const api = useMemo<ViewerApi | null>(
    () =>
      controller && {
        bridge,
        traceId: info.traceId,
        info: liveInfo,
        controller,
        selectEvent: (lane, index) => {
          void controller.selectEvent(lane, index);
          setTab('details');
        },
        revealTime: (t0, t1) => controller.revealTime(t0, t1),
        revealTrack: (id) => controller.revealTrack(id),
        setRange: (r) => controller.setRange(r),
      },
    [controller, bridge, info.traceId, liveInfo],
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

  const strip = liveInfo.loading ? (
    <OpenProgressBar
      className="load-strip"
      testId="rows-loading"
      name={info.name}
      phase={liveInfo.loading.phase}
      fraction={liveInfo.loading.fraction}
      message={liveInfo.loading.message}
      onCancel={onCancelLoading && (() => onCancelLoading(liveInfo.loading?.openId))}
    />
  ) : !controller ? (
    <OpenProgressBar className="load-strip" testId="first-frame-loading" name={info.name} phase="first-frame" fraction={1} />
  ) : null;

  return (
    <div className="viewer">
      {strip}
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
      {api ? (
        <ViewerContext.Provider value={api}>
          <StatusError />
          <BottomPanel tab={tab} setTab={setTab} />
          <Tooltip />
          <HelpOverlay />
        </ViewerContext.Provider>
      ) : (
        // The panel's room from the start: the canvas keeps the size it starts with (a WebGL canvas
        // resized right after its first frame costs ~200 ms on SwiftShader).
        <div className="bottom" style={{ height: BOTTOM_PANEL_PX }} />
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
