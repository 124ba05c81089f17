import type { ReactNode } from 'react';
import { NavLink } from 'react-router';
import { useSession } from '../auth/session-context';
import { ApiDownBanner } from './api-down-banner';

const NAV = [
  { to: '/', label: 'Queue', end: true },
  { to: '/artifacts', label: 'Artifacts', end: false },
  { to: '/silences', label: 'Silences', end: false },
  { to: '/detectors', label: 'Detectors', end: false },
  { to: '/notifications', label: 'Notifications', end: false },
];

export function AppLayout({ children }: { children: ReactNode }) {
  const session = useSession();
  return (
    <div className="shell">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          damon
        </div>
        <nav aria-label="Main">
          <ul className="nav">
            {NAV.map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end={n.end} className={({ isActive }) => (isActive ? 'active' : '')}>
                  {n.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span className={`role role-${session.role.toLowerCase()}`}>{session.role.toLowerCase()}</span>
          <span className="who-name">{session.name}</span>
          <button type="button" className="btn btn-ghost" onClick={() => session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <ApiDownBanner />
      <main className="content" id="main">
        {children}
      </main>
    </div>
  );
}
