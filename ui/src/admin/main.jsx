// Admin page "Sprint Automation Configuration" (jira:adminPage, Jira admins): subpages Settings,
// Logs and the site overview. Jira's sidebar (the module's `pages`) changes the route; the tabs
// here follow it and push it.
import { Component, useEffect, useRef, useState } from 'react';
import { start } from '../shared/app.jsx';
import { subpageRoute } from '../shared/context.js';
import { ErrorBanner } from '../shared/components.jsx';
import { Settings } from './settings.jsx';
import { Logs } from './logs.jsx';
import { Overview } from './overview.jsx';
import './page.css';

const SUBPAGES = { settings: 'Settings', logs: 'Logs', overview: 'Site overview' };
const known = (route) => (SUBPAGES[route] ? route : 'settings');

/** A subpage that throws while rendering shows the error in words instead of a blank page. */
class SubpageBoundary extends Component {
  constructor(props) {
    super(props);
    this.state = { error: null };
  }

  static getDerivedStateFromError(error) {
    return { error };
  }

  render() {
    return this.state.error ? <ErrorBanner error={this.state.error} title="This page failed." /> : this.props.children;
  }
}

function AdminPage() {
  const [route, setRoute] = useState(null);
  const nav = useRef(null);

  useEffect(() => {
    let live = true;
    subpageRoute((r) => { if (live) setRoute(known(r)); }).then((n) => {
      if (!live) return;
      nav.current = n;
      setRoute(known(n.route));
    });
    return () => { live = false; };
  }, []);

  const navigate = (r) => {
    if (r === route) return;
    if (nav.current) nav.current.push(r);
    setRoute(r);
  };

  return (
    <div className="admin-page">
      <h1>Sprint Automation Configuration</h1>
      <nav className="tabs" aria-label="Subpages">
        {Object.entries(SUBPAGES).map(([r, title]) => (
          <a
            key={r}
            href={`#${r}`}
            data-route={r}
            aria-current={r === route ? 'page' : undefined}
            onClick={(e) => { e.preventDefault(); navigate(r); }}
          >
            {title}
          </a>
        ))}
      </nav>
      <div id="subpage">
        <SubpageBoundary key={route || 'none'}>
          {route === 'logs' ? <Logs /> : null}
          {route === 'overview' ? <Overview /> : null}
          {route === 'settings' ? <Settings /> : null}
        </SubpageBoundary>
      </div>
    </div>
  );
}

start(AdminPage);
