import type Database from 'better-sqlite3';

// Lets a cache in this process forget what it holds the moment a table it read from changes. Temporary
// triggers (this connection only, never in the database file) call a function registered on the
// connection after every insert, update or delete, whatever code wrote the row, cascades included.
// A commit from another connection (another process) is caught by `PRAGMA data_version`, which the
// returned check reads.

const FUNCTION = 'atelier_table_changed';

interface Watch {
  listeners: Map<string, Set<() => void>>;
  dataVersion: Database.Statement<[], number>;
}

const watches = new WeakMap<Database.Database, Watch>();

function watchOf(sqlite: Database.Database): Watch {
  let watch = watches.get(sqlite);
  if (!watch) {
    const listeners = new Map<string, Set<() => void>>();
    sqlite.function(FUNCTION, { deterministic: false }, (table: unknown) => {
      for (const listener of listeners.get(String(table)) ?? []) listener();
      return null;
    });
    watch = { listeners, dataVersion: sqlite.prepare<[], number>('PRAGMA data_version').pluck() };
    watches.set(sqlite, watch);
  }
  return watch;
}

/**
 * Calls `forget` after every row written to one of `tables` on this connection. Returns the check to
 * run before trusting what was kept: it calls `forget` when another connection committed meanwhile.
 */
export function watchTables(sqlite: Database.Database, tables: readonly string[], forget: () => void): () => void {
  const watch = watchOf(sqlite);
  for (const table of tables) {
    if (!/^[a-z_]+$/.test(table)) throw new Error(`not a table name: ${table}`);
    let set = watch.listeners.get(table);
    if (!set) {
      watch.listeners.set(table, (set = new Set()));
      for (const op of ['INSERT', 'UPDATE', 'DELETE'])
        sqlite.exec(
          `CREATE TEMP TRIGGER IF NOT EXISTS ${FUNCTION}_${table}_${op.toLowerCase()} AFTER ${op} ON main.${table} ` +
            `BEGIN SELECT ${FUNCTION}('${table}'); END`,
        );
    }
    set.add(forget);
  }
  let seen = watch.dataVersion.get()!;
  return () => {
    const version = watch.dataVersion.get()!;
    if (version === seen) return;
    seen = version;
    forget();
  };
}
