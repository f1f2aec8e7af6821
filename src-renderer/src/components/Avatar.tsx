import { useState } from 'react';

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? '') : '')).toUpperCase() || '?';
}

function loadable(url: string): boolean {
  if (url.startsWith('data:image/') || (url.startsWith('/') && !url.startsWith('//'))) return true;
  try {
    return new URL(url).origin === window.location.origin;
  } catch {
    return false;
  }
}

/**
 * The user's picture, or their initials when there is none or it cannot load (the page's
 * Content-Security-Policy only lets images come from this server or data: URLs).
 */
export function Avatar({ name, url, size = 40 }: { name: string; url?: string | null; size?: number }) {
  const [failed, setFailed] = useState<string | null>(null);
  // Another site's picture is never asked for: the policy would block it with a console error.
  const showImage = !!url && failed !== url && loadable(url);
  return (
    <span className="avatar" style={{ width: size, height: size, fontSize: size * 0.4 }} aria-hidden="true">
      {showImage ? <img src={url} alt="" onError={() => setFailed(url)} /> : initials(name)}
    </span>
  );
}
