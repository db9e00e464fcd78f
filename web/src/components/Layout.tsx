import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';
import { visibleNav } from '../auth/permissions';
import { useTheme } from '../hooks/useTheme';

function Identity() {
  const { session, me, role } = useAuth();
  const name = session?.kind === 'token' ? session.user.email : (me?.subject ?? 'API key');
  const org = me?.org_id ?? (session?.kind === 'token' ? session.user.org_id : null);
  return (
    <span className="identity" data-testid="identity">
      <span className="identity__name">{name}</span>
      <span className="identity__meta">
        {role ?? 'unknown role'}
        {org ? ` · ${org}` : ''}
      </span>
    </span>
  );
}

export function Layout() {
  const { permissions, logout } = useAuth();
  const [theme, toggleTheme] = useTheme();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setMenuOpen(false), [location.pathname]);
  const items = visibleNav(permissions);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="topbar__menu button button--ghost"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true">☰</span>
          <span className="visually-hidden">Menu</span>
        </button>
        <span className="topbar__brand">AMAIMA</span>
        <div className="topbar__right">
          <Identity />
          <button
            type="button"
            className="button button--ghost"
            onClick={toggleTheme}
            aria-label={theme === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'}
            title="Theme"
          >
            <span aria-hidden="true">{theme === 'dark' ? '☀' : '☾'}</span>
          </button>
          <button type="button" className="button button--small" onClick={() => void logout()}>
            Sign out
          </button>
        </div>
      </header>
      <nav id="main-nav" className={`sidenav ${menuOpen ? 'sidenav--open' : ''}`} aria-label="Main">
        <ul>
          {items.map((item) => (
            <li key={item.to}>
              <NavLink to={item.to} className={({ isActive }) => `sidenav__link ${isActive ? 'sidenav__link--active' : ''}`}>
                {item.label}
                {item.admin && <span className="sidenav__admin"> admin</span>}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
