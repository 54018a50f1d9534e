import { useEffect, useState } from 'react';
import type { NsysBridge, TraceInfo } from '../../shared/bridge';
import { Viewer } from './Viewer';

/** Loads the first trace the host offers (the host decides which files are open). */
export function App({ bridge }: { bridge: NsysBridge }) {
  const [info, setInfo] = useState<TraceInfo | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void (async () => {
      const list = await bridge.listTraces();
      if (!list.ok) return setError(list.error);
      if (list.value.length === 0) return setError('No trace is open. Start with `nsys-viewer serve TRACE.sqlite`.');
      const r = await bridge.getTraceInfo(list.value[0].traceId);
      if (!r.ok) return setError(r.error);
      document.title = `${r.value.name} — nsys-viewer`;
      setInfo(r.value);
    })();
  }, [bridge]);

  if (error) return <div className="error page">{error}</div>;
  if (!info) return <div className="loading">Loading trace…</div>;
  return <Viewer bridge={bridge} info={info} />;
}
