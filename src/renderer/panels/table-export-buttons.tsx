import { useState } from 'react';
import type { DesktopBridge, NsysBridge } from '../../shared/bridge';
import type { TableFile } from '../../core/export/table-export';
import { downloadBlob } from '../screenshot/capture';
import { useViewer } from '../ui/viewer-context';

/** The desktop preload saves into a picked folder (DesktopBridge.saveFiles); the serve host has none: browsers download. */
export const canSaveFiles = (b: NsysBridge): b is NsysBridge & Pick<DesktopBridge, 'saveFiles'> =>
  typeof (b as Partial<DesktopBridge>).saveFiles === 'function';

/**
 * Saves generated files the way the Export tab does: in the desktop app through saveFiles (bare
 * names, a folder the user picks, refused rather than written over an existing file), in a browser
 * as downloads. Answers the line to show.
 */
export async function saveOrDownload(
  bridge: NsysBridge,
  files: { fileName: string; data: string | Uint8Array }[],
): Promise<{ text: string; error: boolean }> {
  if (canSaveFiles(bridge)) {
    const r = await bridge.saveFiles(files);
    return r.ok ? { text: `Saved ${r.value.written.join(', ')} in ${r.value.folder}.`, error: false } : { text: r.error, error: true };
  }
  for (const f of files) {
    const type = typeof f.data !== 'string' ? 'image/png' : f.fileName.endsWith('.json') ? 'application/json' : 'text/csv;charset=utf-8';
    downloadBlob(new Blob([f.data as BlobPart], { type }), f.fileName);
  }
  return { text: `Downloaded ${files.map((f) => f.fileName).join(', ')}.`, error: false };
}

/**
 * "CSV" and "JSON" buttons for one table of a panel. `make` builds the file when clicked (not on
 * every render: a stats table of thousands of kernels is not serialised until asked for).
 */
export function TableExportButtons({ testId, make }: { testId: string; make: (format: 'csv' | 'json') => TableFile }) {
  const { bridge } = useViewer();
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (format: 'csv' | 'json') => {
    setBusy(true);
    setMessage(null);
    try {
      const f = make(format);
      setMessage(await saveOrDownload(bridge, [{ fileName: f.fileName, data: f.data }]));
    } catch (e) {
      setMessage({ text: (e as Error).message, error: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="table-export" style={{ display: 'inline-flex', gap: 4, alignItems: 'center', marginLeft: 8 }}>
      <button onClick={() => void save('csv')} disabled={busy} data-testid={`${testId}-csv`} title="Save this table as CSV">
        CSV
      </button>
      <button onClick={() => void save('json')} disabled={busy} data-testid={`${testId}-json`} title="Save this table as JSON">
        JSON
      </button>
      {message && (
        <span className={message.error ? 'error' : 'hint'} data-testid={`${testId}-message`}>
          {message.text}
        </span>
      )}
    </span>
  );
}
