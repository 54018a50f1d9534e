import { createRoot } from 'react-dom/client';
import { pickBridge } from './bridge/pick-bridge';
import { App } from './ui/app';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const bridge = pickBridge();
root.render('error' in bridge ? <div className="error page">{bridge.error}</div> : <App bridge={bridge} />);
