// Once per test run, before any worker: the migrated PGlite template every PGlite test app starts from.
import { buildTemplate } from './pglite-template'

export default async function setup() {
  await buildTemplate()
}
