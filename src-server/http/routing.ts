import type { Dialect } from './dialect';

export interface PrefixOwner {
  dialect: Dialect;
  prefixes: readonly string[];
}

/** Whether `path` is `prefix` or lies under it on a segment boundary (`/api/v1` owns `/api/v1/x`, not `/api/v10`). */
function under(path: string, prefix: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || (path.startsWith(prefix) && path[prefix.length] === '/');
}

/**
 * Which family owns a URL, from the families' own prefix lists (longest match wins), so the
 * answers given outside any route (404, 405, a malformed URL) speak that family's dialect.
 */
export function dialectRouter(owners: readonly PrefixOwner[], fallback: Dialect): (url: string) => Dialect {
  const table = owners
    .flatMap((owner) => owner.prefixes.map((prefix) => ({ prefix, dialect: owner.dialect })))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return (url) => {
    const path = url.split('?')[0] ?? url;
    return table.find((entry) => under(path, entry.prefix))?.dialect ?? fallback;
  };
}
