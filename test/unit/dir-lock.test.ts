// The PGlite directory lock: one holder at a time, a sentence naming the holder, a dead holder's lock taken.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { lockDirectory } from '../../service/db/dir-lock'
import { StartupError } from '../../service/startup-error'

function folder() {
  const dir = mkdtempSync(join(tmpdir(), 'dir-lock-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'pglite')
}

describe('lockDirectory', () => {
  it('writes our pid beside the directory and removes it on release', () => {
    const dir = folder()
    const release = lockDirectory(dir)
    expect(readFileSync(`${dir}.lock`, 'utf8').trim()).toBe(String(process.pid))
    release()
    expect(existsSync(`${dir}.lock`)).toBe(false)
  })

  it('refuses while a live process holds it, naming that process', () => {
    const dir = folder()
    writeFileSync(`${dir}.lock`, `${process.ppid}\n`) // our parent: alive, not us
    const err = (() => {
      try {
        lockDirectory(dir)
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(StartupError)
    expect((err as Error).message).toContain(
      `in use by another wechat-login-stack (process ${process.ppid})`,
    )
  })

  it('takes over the lock of a process that is gone', () => {
    const dir = folder()
    const dead = Number(execFileSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' }))
    writeFileSync(`${dir}.lock`, `${dead}\n`)
    const release = lockDirectory(dir)
    expect(readFileSync(`${dir}.lock`, 'utf8').trim()).toBe(String(process.pid))
    release()
  })
})
