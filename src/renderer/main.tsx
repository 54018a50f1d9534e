import { createRoot } from 'react-dom/client';
import { pickBridge } from './bridge/pick-bridge';
import { App } from './ui/app';
import './styles.css';

// The start-up marks (nsys:*) are read by bench:timeline to say where the first frame's ms go.
performance.mark('nsys:script');
const root = createRoot(document.getElementById('root')!);
const bridge = pickBridge();
root.render('error' in bridge ? <div className="error page">{bridge.error}</div> : <App bridge={bridge} />);
