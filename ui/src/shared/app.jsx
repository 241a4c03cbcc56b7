// Mounting a page: Jira's theme first (view.theme.enable() makes Forge inject the design tokens
// for light or dark), then React.
import '@atlaskit/css-reset/dist/bundle.css';
import './style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { pageContext } from './context.js';

export async function start(Page) {
  const root = createRoot(document.getElementById('root'));
  const context = await pageContext();
  root.render(<StrictMode><Page context={context} /></StrictMode>);
}
