import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import type { DesktopBridge, NsysBridge, OpenInProgress, OpenProgressEvent, TraceInfo, TraceListEntry } from '../../shared/bridge';
import { phaseLabel } from '../../shared/open-phases';
import { BOTTOM_PANEL_PX } from './layout-px';
import { OpenProgressBar } from './open-progress';

/**
 * The page's first chunk is this shell (React, the bridge, the loading screen): it asks for the
 * trace list before pixi, the timeline and the viewer are even evaluated (issue 15: the one script
 * of 1.97 MB took 1.3–2.4 s to evaluate on the loaded 2-core machine before `listTraces` went out).
 * The timeline's chunk is evaluated once that request is on its way (`loadTimeline`, which also
 * starts WebGL; index.html preloads its files); Viewer and CompareView come from it. Import them
 * only through these. The Viewer is rendered once its module is in (`loadViewer`), not through
 * React.lazy: a suspended boundary reveals its content on React's 300 ms throttle, which put up to
 * 0.6 s between the trace info and the timeline's start in bench:timeline.
 */
const loadTimeline = () => import('../timeline/renderer');
let viewerModule: typeof import('./viewer') | null = null;
const loadViewer = async () => (viewerModule ??= await import('./viewer'));
const CompareView = lazy(() => import('./compare-view').then((m) => ({ default: m.CompareView })));

const isDesktop = (b: NsysBridge): b is DesktopBridge => 'openDialog' in b;

/**
 * `serve ... --compare` puts the compare view's start in the URL: `compare=1`, the rank of each side
 * (`pidA`/`pidB`, from TRACE#PID: two ranks of one trace are one served trace) and `align`.
 */
function compareParams(): { on: boolean; pidA?: number; pidB?: number; align?: string } {
  const q = new URLSearchParams(location.search);
  const pid = (k: string) => (/^\d+$/.test(q.get(k) ?? '') ? Number(q.get(k)) : undefined);
  return { on: q.get('compare') === '1', pidA: pid('pidA'), pidB: pid('pidB'), align: q.get('align') ?? undefined };
}

/**
 * The timeline canvas's size in a single-trace viewer of this window: the window less the toolbar
 * (34 px) and the row tree (240 px) of styles.css, and the bottom panel. The prewarmed scene starts
 * at it; a wrong guess (tabs, a resized window) costs one canvas resize when the timeline attaches.
 */
function expectedCanvasPx(): [number, number] {
  return [window.innerWidth - 240, window.innerHeight - 34 - BOTTOM_PANEL_PX];
}

/**
 * Loads the trace the host offers. In the desktop app (preload bridge) the window's trace may still
 * be opening: progress events arrive through onOpenProgress (after rendererReady) and listTraces
 * waits for it; with none, the page offers File → Open and drag-and-drop. Under `serve` listTraces
 * answers once the traces are open; `serve A B ...` gives one tab per trace (the desktop app opens
 * each trace in its own window instead); a trace that failed to open keeps its tab, showing why.
 */
export function App({ bridge }: { bridge: NsysBridge }) {
  const [traces, setTraces] = useState<TraceListEntry[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const [info, setInfo] = useState<TraceInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<OpenProgressEvent | null>(null);
  const [empty, setEmpty] = useState(false);
  /** The trace compared with `current` (compare-view.tsx); `serve A B --compare` starts with A vs B. */
  const [compareWith, setCompareWith] = useState<string | null>(null);
  const [compareInfo, setCompareInfo] = useState<TraceInfo | null>(null);
  /** Desktop: how the open of a trace to compare with goes (or why it failed). */
  const [notice, setNotice] = useState<string | null>(null);
  /** Desktop: the compare open in progress (its bar and Cancel), null when none runs. */
  const [compareOpen, setCompareOpen] = useState<OpenProgressEvent | null>(null);
  /** `serve`: the opens still before their first frame (polled while listTraces waits). */
  const [serveOpens, setServeOpens] = useState<OpenInProgress[]>([]);
  /** The user cancelled: an answer about that open (listTraces' "was cancelled") is no error. */
  const cancelledRef = useRef(false);
  /** The viewer's module is loaded (loadViewer): the page can show a trace. */
  const [viewerReady, setViewerReady] = useState(viewerModule !== null);

  /** Back to the open screen (issue 14: Cancel ends the open with no error shown). */
  const showOpenScreen = useCallback(() => {
    cancelledRef.current = true;
    setInfo(null);
    setCurrent(null);
    setTraces([]);
    setCompareWith(null);
    setServeOpens([]);
    setProgress(null);
    setError(null);
    setEmpty(true);
  }, []);
  /** Cancel, before or after the first frame: the host stops the open and frees its memory. */
  const cancelOpen = useCallback(
    (openId: string) => {
      showOpenScreen();
      void bridge.cancelOpen(openId);
    },
    [bridge, showOpenScreen],
  );

  useEffect(() => {
    let live = true;
    let unsubscribe = () => {};
    if (isDesktop(bridge)) {
      unsubscribe = bridge.onOpenProgress((e) => {
        if (!live) return;
        if (e.compare) {
          // A second trace opened into this window (Compare With…, or a drop with Alt/Shift): show both.
          // A new compare open replaces the window's compare trace at once (main and the worker drop it
          // when the open starts), so the page lets go of it too: its CompareView (two pixi timelines
          // and their slice caches) would otherwise live on over a trace id that no longer answers.
          const relist = (id: string | null) =>
            void bridge.listTraces().then((list) => {
              if (!live || !list.ok) return;
              setTraces(list.value);
              setCompareWith(id);
            });
          setCompareOpen(e.state === 'loading' ? e : null);
          if (e.state === 'loading' && e.phase === 'start') {
            setNotice(null);
            relist(null);
          } else if (e.state === 'failed') setNotice(e.error ?? `Could not open ${e.name} to compare.`);
          else if (e.state === 'cancelled') setNotice(`Cancelled opening ${e.name} to compare.`);
          else if (e.state === 'done' && e.traceId) {
            setNotice(null);
            relist(e.traceId);
          }
          return;
        }
        if (e.state === 'cancelled') return showOpenScreen();
        setProgress(e);
        if (e.state === 'failed') setError(e.error ?? `Could not open ${e.name}.`);
      });
      bridge.rendererReady();
    }
    // serve: the page asks how the opens go until listTraces answers (the desktop app pushes events).
    let polling = !isDesktop(bridge);
    void (async () => {
      while (polling && live) {
        const r = await bridge.getOpenProgress();
        if (!live || !polling) return;
        if (r.ok) setServeOpens(r.value);
        await new Promise((res) => setTimeout(res, 150));
      }
    })();
    void (async () => {
      const listed = bridge.listTraces();
      performance.mark('nsys:traces-asked');
      let answered = false;
      let warming = false;
      // The timeline's chunk loads and WebGL starts while the host opens the trace (issue 15), once
      // the request is on its way and the loading screen had its first paint. A list that answered
      // first leaves WebGL to the viewer (its controller starts its own scene).
      const warm = setTimeout(() => {
        warming = true;
        void loadTimeline().then((m) => {
          if (!live) return;
          performance.mark('nsys:timeline-chunk');
          if (!answered) m.prewarmScene(...expectedCanvasPx());
        });
        void loadViewer().then(() => live && setViewerReady(true));
      }, 0);
      const list = await listed;
      answered = true;
      clearTimeout(warm);
      performance.mark('nsys:traces-listed');
      polling = false;
      if (!live) return;
      setServeOpens([]);
      // The user cancelled while listTraces was on its way: its answer may still list the trace (its
      // GPU rows landed just before the Cancel reached the host, which then dropped it), so the open
      // screen stays rather than a viewer over a trace that is gone.
      if (warming && (cancelledRef.current || !list.ok || list.value.length === 0))
        void loadTimeline().then((m) => m.discardPrewarmedScene());
      if (cancelledRef.current) return setEmpty(true);
      if (!list.ok) return setError(list.error);
      if (list.value.length === 0) return setEmpty(true);
      setTraces(list.value);
      setCurrent(list.value[0].traceId);
      const cp = compareParams();
      // Two ranks of one trace: the one served trace is both A and B.
      const other = list.value.length >= 2 ? list.value[1] : cp.pidA !== undefined && cp.pidB !== undefined ? list.value[0] : undefined;
      if (cp.on && other) setCompareWith(other.traceId);
    })();
    return () => {
      live = false;
      polling = false;
      unsubscribe();
    };
  }, [bridge, showOpenScreen]);

  const currentEntry = traces.find((t) => t.traceId === current);
  // The list answered before the timeline's chunk was asked for: ask now.
  const wantViewer = info !== null;
  useEffect(() => {
    if (!wantViewer || viewerReady) return;
    let live = true;
    void loadViewer().then(() => live && setViewerReady(true));
    return () => {
      live = false;
    };
  }, [wantViewer, viewerReady]);
  useEffect(() => {
    if (!current || currentEntry?.error) return;
    let live = true;
    void bridge.getTraceInfo(current).then((r) => {
      if (!live) return;
      if (!r.ok) return setError(r.error);
      performance.mark('nsys:trace-info');
      document.title = `${r.value.name} — nsys-viewer`;
      setInfo(r.value);
    });
    return () => {
      live = false;
    };
  }, [bridge, current, currentEntry?.error]);

  useEffect(() => {
    setCompareInfo(null);
    if (!compareWith) return;
    let live = true;
    void bridge.getTraceInfo(compareWith).then((r) => {
      if (!live) return;
      if (!r.ok) return setError(r.error);
      setCompareInfo(r.value);
    });
    return () => {
      live = false;
    };
  }, [bridge, compareWith]);

  // Desktop, once a trace is shown: a file dropped with Alt or Shift opens into this window to compare;
  // a plain drop opens its own window, as from the empty page (OpenButtons).
  const shown = info !== null;
  useEffect(() => {
    if (!shown || !isDesktop(bridge)) return;
    const over = (e: DragEvent) => e.preventDefault();
    const drop = (e: DragEvent) => {
      e.preventDefault();
      const f = e.dataTransfer?.files[0];
      if (!f) return;
      const r = e.altKey || e.shiftKey ? bridge.openDroppedCompareFile(f) : bridge.openDroppedFile(f);
      void r.then((x) => setNotice(x.ok ? null : x.error));
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, [bridge, shown]);

  const failedHere = currentEntry?.error;
  // While the trace to compare with loads, show nothing yet: a Viewer started and dropped at once
  // would be destroyed mid-init.
  const cp = compareParams();
  const ranks = cp.on && cp.pidA !== undefined && cp.pidB !== undefined && cp.pidA !== cp.pidB;
  const compareLoading = compareWith !== null && (compareWith !== current || ranks) && !compareInfo && !error;
  if ((info && !compareLoading) || (failedHere && traces.length >= 2)) {
    // key: a fresh Viewer (timeline, caches, selection) per trace.
    const noticeBar = compareOpen ? (
      <div className="compare-notice" data-testid="compare-open-progress">
        Opening {compareOpen.name} to compare: {phaseLabel(compareOpen.phase)} {Math.round(compareOpen.fraction * 100)}%{' '}
        <progress max={1} value={compareOpen.fraction} />{' '}
        {isDesktop(bridge) && <button onClick={() => void bridge.cancelOpen(compareOpen.openId)}>Cancel</button>}
      </div>
    ) : (
      notice && (
        <div className="error compare-notice" data-testid="compare-notice" onClick={() => setNotice(null)}>
          {notice}
        </div>
      )
    );
    const viewer = failedHere ? (
      <div className="error page" data-testid="trace-error">
        {failedHere}
      </div>
    ) : compareInfo && (compareInfo.traceId !== info!.traceId || ranks) ? (
      <CompareView
        key={`${info!.traceId}/${compareInfo.traceId}`}
        bridge={bridge}
        a={info!}
        b={compareInfo}
        {...(cp.on && info!.traceId === traces[0]?.traceId && compareInfo.traceId === (traces[1] ?? traces[0]).traceId
          ? { pidA: cp.pidA, pidB: cp.pidB, initialAlign: cp.align }
          : {})}
        onClose={() => setCompareWith(null)}
      />
    ) : !viewerReady || !viewerModule ? (
      <div className="loading">Loading trace…</div>
    ) : (
      <viewerModule.Viewer
        key={info!.traceId}
        bridge={bridge}
        info={info!}
        onCancelLoading={(openId) => {
          const id = isDesktop(bridge) ? progress?.openId : openId;
          if (id) cancelOpen(id);
        }}
      />
    );
    // CompareView's chunk loads when two traces are first compared.
    const body = <Suspense fallback={<div className="loading">Loading trace…</div>}>{viewer}</Suspense>;
    if (traces.length < 2)
      return noticeBar ? (
        <>
          {noticeBar}
          {body}
        </>
      ) : (
        body
      );
    return (
      <div className="trace-tabs-host">
        <div className="trace-tabs" role="tablist" data-testid="trace-tabs">
          {traces.map((t) => (
            <button
              key={t.traceId}
              role="tab"
              aria-selected={t.traceId === current}
              className={`${t.traceId === current ? 'active' : ''}${t.error ? ' failed' : ''}`}
              title={t.error}
              onClick={() => setCurrent(t.traceId)}
            >
              {t.name}
            </button>
          ))}
          <CompareButton traces={traces.filter((t) => t.traceId !== current && !t.error)} onPick={setCompareWith} />
        </div>
        {noticeBar}
        <div className="trace-tab-body">{body}</div>
      </div>
    );
  }
  if (failedHere) return <div className="error page">{failedHere}</div>;
  if (error)
    return (
      <div className="error page">
        {error}
        {isDesktop(bridge) && <OpenButtons bridge={bridge} />}
      </div>
    );
  if (progress && progress.state === 'loading') {
    return (
      <OpenProgressBar
        name={progress.name}
        phase={progress.phase}
        fraction={progress.fraction}
        message={progress.message}
        onCancel={() => cancelOpen(progress.openId)}
      />
    );
  }
  if (serveOpens.length > 0 && !empty) {
    return (
      <div className="open-progress-list">
        {serveOpens.map((o) => (
          <OpenProgressBar
            key={o.openId}
            name={o.name}
            phase={o.phase}
            fraction={o.fraction}
            message={o.message}
            onCancel={() => cancelOpen(o.openId)}
          />
        ))}
      </div>
    );
  }
  // The window's trace is shown; its first frame is next (the viewer takes over from here).
  if (progress && progress.state === 'done' && !empty && !error) {
    return <OpenProgressBar name={progress.name} phase="first-frame" fraction={1} />;
  }
  if (empty) {
    return (
      <div className="loading" data-testid="open-screen">
        No trace is open.{' '}
        {isDesktop(bridge) ? <OpenButtons bridge={bridge} /> : 'Start with `nsys-viewer serve TRACE.sqlite` and open the URL it prints.'}
      </div>
    );
  }
  return <div className="loading">Loading trace…</div>;
}

/** "Compare…" in the tab bar: pick the open trace to compare the current one with. */
function CompareButton({ traces, onPick }: { traces: TraceListEntry[]; onPick: (traceId: string) => void }) {
  const [open, setOpen] = useState(false);
  if (!traces.length) return null;
  return (
    <span className="compare-pick">
      <button onClick={() => setOpen(!open)} data-testid="compare-button">
        Compare…
      </button>
      {open &&
        traces.map((t) => (
          <button
            key={t.traceId}
            onClick={() => {
              setOpen(false);
              onPick(t.traceId);
            }}
          >
            with {t.name}
          </button>
        ))}
    </span>
  );
}

/** File → Open and drag-and-drop (desktop only: the preload turns the File into a path). */
function OpenButtons({ bridge }: { bridge: DesktopBridge }) {
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    const over = (e: DragEvent) => e.preventDefault();
    const drop = (e: DragEvent) => {
      e.preventDefault();
      const f = e.dataTransfer?.files[0];
      if (f) void bridge.openDroppedFile(f).then((r) => setMsg(r.ok ? null : r.error));
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, [bridge]);
  return (
    <div className="open-buttons">
      <button onClick={() => void bridge.openDialog().then((r) => setMsg(r.ok ? null : r.error))}>Open a .nsys-rep or .sqlite…</button>
      <span> or drop one here.</span>
      {msg && <div className="error">{msg}</div>}
    </div>
  );
}
