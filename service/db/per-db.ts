// A prepared statement belongs to one database handle: build it on first use per handle, then reuse it.
import type { Db } from './client'

/** `build(db)` once per handle (a pool or a transaction), kept as long as the handle lives. */
export function perDb<T>(build: (db: Db) => T): (db: Db) => T {
  const built = new WeakMap<Db, T>()
  return (db) => {
    let value = built.get(db)
    if (value === undefined) built.set(db, (value = build(db)))
    return value
  }
}
