import { createRoot } from 'react-dom/client';
import { pickBridge } from './bridge/pick-bridge';
import { prewarmScene } from './timeline/renderer';
import { App } from './ui/app';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const bridge = pickBridge();
// WebGL starts now, while the trace info is on its way (issue 15).
if (!('error' in bridge)) prewarmScene();
root.render('error' in bridge ? <div className="error page">{bridge.error}</div> : <App bridge={bridge} />);
