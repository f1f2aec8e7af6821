import { useLayoutEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/**
 * A small history router: every page lives under the server's /app/ (the server answers any
 * /app/* path with index.html), and paths inside the app are written without that prefix.
 */
const BASE = import.meta.env.BASE_URL.replace(/\/$/, '');
const NAVIGATE_EVENT = 'atelier:navigate';

export const hrefFor = (to: string): string => BASE + (to.startsWith('/') ? to : `/${to}`);

export function navigate(to: string, { replace = false }: { replace?: boolean } = {}): void {
  const href = hrefFor(to);
  if (href === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

const snapshot = () => location.pathname + location.search;

export interface AppLocation {
  /** Path inside the app, e.g. "/account" ("/" for the app's root). */
  path: string;
  query: URLSearchParams;
}

export function useLocation(): AppLocation {
  const current = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(current, location.origin);
  const inside = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) : url.pathname;
  const path = inside.replace(/\/+$/, '') || '/';
  return { path, query: url.searchParams };
}

/** Replaces the current entry, for guards (signed out, unknown path). */
export function Redirect({ to }: { to: string }) {
  useLayoutEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  to: string;
}

/** An ordinary link (middle-click and "open in new tab" still work) that navigates in place on a plain click. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={hrefFor(to)} onClick={handleClick} {...rest} />;
}
