// One process per PGlite directory: PGlite is PostgreSQL in this process, so a second process opening the
// same files would corrupt them, and PGlite itself does not refuse. A lock file beside the directory holds
// the owner's pid; a lock whose process is gone is stale and taken over.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { StartupError } from '../startup-error'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' // exists, someone else's
  }
}

/** Takes `${dir}.lock` or throws a StartupError naming the process that holds it; returns the release. */
export function lockDirectory(dir: string): () => void {
  const file = `${dir}.lock`
  mkdirSync(dirname(file), { recursive: true })
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      writeSync(fd, `${process.pid}\n`)
      closeSync(fd)
      const release = () => {
        process.off('exit', release)
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file)
        } catch {
          // already gone
        }
      }
      process.on('exit', release)
      return release
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const owner = Number(readFileSync(file, 'utf8').trim())
      if (owner && owner !== process.pid && alive(owner))
        throw new StartupError(
          `The data directory ${dirname(file)} is in use by another wechat-login-stack (process ${owner}): stop it first, or give this one its own DATA_DIR (or a DATABASE_URL).`,
        )
      rmSync(file, { force: true }) // stale: its process is gone
    }
  }
  throw new StartupError(`Could not take the lock ${file}; remove it if no service is running.`)
}
