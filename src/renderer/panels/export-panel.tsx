import { useEffect, useState } from 'react';
import type { CsvFile, DesktopBridge, NsysBridge } from '../../shared/bridge';
import { captureScreenshot, copyPng, downloadBlob, pngFileName, toPngBlob } from '../screenshot/capture';
import { useViewer, useViewerState } from '../ui/viewer-context';

/**
 * "Export selection…": the CSV files of `nsys-viewer export-csv` (src/core/export/csv.ts) for the
 * selected range or a typed window in ms since session start, and a PNG of the timeline to share:
 * the rows the timeline shows, in its order, over the typed window (else the view on screen), with
 * full row names, a legend of the colours drawn and a caption. In a browser each file downloads as its own Blob; in
 * the desktop app a preload that offers `saveFiles` writes them into a folder the user picks.
 */

/** The desktop preload saves into a picked folder (DesktopBridge.saveFiles); the serve host has none: browsers download. */
const canSave = (b: NsysBridge): b is NsysBridge & Pick<DesktopBridge, 'saveFiles'> =>
  typeof (b as Partial<DesktopBridge>).saveFiles === 'function';

const msOf = (ns: number) => Number((ns / 1e6).toFixed(6));

export function ExportPanel() {
  const { bridge, traceId, info, controller } = useViewer();
  const { range } = useViewerState();
  // Start from the selected range at once (not only in the effect), so the first paint shows it.
  const [from, setFrom] = useState(() => (range ? String(msOf(range.t0)) : ''));
  const [to, setTo] = useState(() => (range ? String(msOf(range.t1)) : ''));
  const [files, setFiles] = useState<CsvFile[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  // The window follows the selected range; typing overrides it until the range changes again.
  useEffect(() => {
    if (!range) return;
    setFrom(String(msOf(range.t0)));
    setTo(String(msOf(range.t1)));
  }, [range]);

  const fromMs = Number(from);
  const toMs = Number(to);
  const valid = from.trim() !== '' && to.trim() !== '' && Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs;

  const exportCsv = async () => {
    setBusy(true);
    setMessage(null);
    setFiles(null);
    const r = await bridge.exportCsv(traceId, fromMs, toMs);
    setBusy(false);
    if (!r.ok) return setMessage({ text: r.error, error: true });
    setFiles(r.value);
    await save(r.value.map((f) => ({ fileName: f.fileName, data: f.csv })));
  };

  /** Chrome Trace Event JSON for Perfetto / chrome://tracing: the typed window, else the whole trace. */
  const exportTrace = async () => {
    setBusy(true);
    setMessage(null);
    const r = await bridge.exportTrace(traceId, valid ? { fromMs, toMs } : undefined);
    setBusy(false);
    if (!r.ok) return setMessage({ text: r.error, error: true });
    const c = r.value.counts;
    await save([{ fileName: r.value.fileName, data: r.value.json }]);
    setMessage((m) => ({
      text: `${m && !m.error ? `${m.text} ` : ''}${r.value.fileName}: ${c.kernel} kernels, ${c.graph} graph executions, ${c.memcpy} copies, ${c.memset} memsets, ${c['cuda-api']} CUDA API calls, ${c.nvtx} NVTX, ${c.osrt} OS runtime, ${c.flows} API→GPU flows. Open it in ui.perfetto.dev or chrome://tracing.`,
      error: m?.error ?? false,
    }));
  };

  const save = async (out: { fileName: string; data: string | Uint8Array }[]) => {
    if (canSave(bridge)) {
      const r = await bridge.saveFiles(out);
      setMessage(
        r.ok ? { text: `Saved ${r.value.written.length} file(s) in ${r.value.folder}.`, error: false } : { text: r.error, error: true },
      );
      return;
    }
    for (const f of out) {
      const type = typeof f.data !== 'string' ? 'image/png' : f.fileName.endsWith('.json') ? 'application/json' : 'text/csv;charset=utf-8';
      downloadBlob(new Blob([f.data as BlobPart], { type }), f.fileName);
    }
    setMessage({ text: `Downloaded ${out.length} file(s).`, error: false });
  };

  const png = async (how: 'save' | 'copy') => {
    setBusy(true);
    setMessage(null);
    try {
      // The typed (or selected) window when there is one: the picture is of the window the user chose.
      const window = valid ? { t0: Math.round(fromMs * 1e6), t1: Math.round(toMs * 1e6) } : undefined;
      const shot = await captureScreenshot(controller, { window });
      const blob = await toPngBlob(shot.canvas);
      const name = pngFileName(info, shot.view.t0, shot.view.t1);
      if (how === 'copy') {
        await copyPng(blob);
        setMessage({ text: `Copied a ${shot.width}×${shot.height} PNG (${shot.rows.length} lanes) to the clipboard.`, error: false });
      } else {
        await save([{ fileName: name, data: new Uint8Array(await blob.arrayBuffer()) }]);
        setMessage({
          text: `${name}: ${shot.width}×${shot.height}, ${shot.rows.length} lanes.`,
          error: false,
        });
      }
    } catch (e) {
      setMessage({ text: (e as Error).message, error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="export-panel" data-testid="export-panel">
      <div className="range-head" style={{ display: 'flex', gap: 6, alignItems: 'center', flexWrap: 'wrap' }}>
        <span>Window (ms since session start):</span>
        <input value={from} onChange={(e) => setFrom(e.target.value)} placeholder="from" style={{ width: 110 }} data-testid="export-from" />
        –
        <input value={to} onChange={(e) => setTo(e.target.value)} placeholder="to" style={{ width: 110 }} data-testid="export-to" />
        <button
          onClick={() => {
            if (range) {
              setFrom(String(msOf(range.t0)));
              setTo(String(msOf(range.t1)));
            }
          }}
          disabled={!range}
        >
          Use selection
        </button>
        <button onClick={() => void exportCsv()} disabled={!valid || busy} data-testid="export-csv">
          {range ? 'Export selection…' : 'Export CSV…'}
        </button>
        <button
          onClick={() => void exportTrace()}
          disabled={busy || (!valid && (from !== '' || to !== ''))}
          data-testid="export-trace"
          title="Chrome Trace Event JSON (Perfetto, chrome://tracing) of the window, or of the whole trace when no window is given"
        >
          Export trace JSON…
        </button>
        <span style={{ width: 16 }} />
        <button
          onClick={() => void png('save')}
          disabled={busy || (!valid && (from !== '' || to !== ''))}
          data-testid="save-png"
          title="The rows the timeline shows over the window typed here (else the view), with a legend and a caption"
        >
          Save PNG
        </button>
        <button
          onClick={() => void png('copy')}
          disabled={busy || (!valid && (from !== '' || to !== ''))}
          data-testid="copy-png"
          title="The same picture as Save PNG, to the clipboard"
        >
          Copy PNG
        </button>
      </div>
      {!valid && (from !== '' || to !== '') && <div className="error">Give the window as two numbers of ms, “to” after “from”.</div>}
      {!range && from === '' && <div className="hint">Shift-drag on the timeline to select a range, or type the window.</div>}
      {busy && <div className="loading">Working…</div>}
      {message && (
        <div className={message.error ? 'error' : 'hint'} data-testid="export-message">
          {message.text}
        </div>
      )}
      {files && (
        <table className="grid" data-testid="export-files" style={{ width: 'auto' }}>
          <thead>
            <tr>
              <th>File</th>
              <th>Rows</th>
              <th>Size</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.fileName}>
                <td className="name">{f.fileName}</td>
                <td className="num">{f.rows}</td>
                <td className="num">{(f.csv.length / 1024).toFixed(1)} KiB</td>
                <td>
                  <button onClick={() => void save([{ fileName: f.fileName, data: f.csv }])}>Save</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
