/** Entry point: mounts the studio. */
import '../worker/zodJitless';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { browserStorage } from './persist';
import { applyShareLink } from './studio/shareLink';
import './styles.css';

// A share link's settings are written to storage before the studio reads them, then the hash
// goes: a reload keeps the settings (as any visit does) without applying the link again.
const session = (() => {
  try {
    return sessionStorage;
  } catch {
    return undefined;
  }
})();
if (applyShareLink(location.hash, browserStorage(), session) !== null) {
  history.replaceState(null, '', location.pathname + location.search);
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element.');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
