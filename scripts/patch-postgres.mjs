// Runs after every install (the "postinstall" script): mends two defects of postgres.js 3.4.9, the newest
// release, that take the service down when the database restarts.
// 1. nextWrite() runs from a setImmediate after closed() has nulled the socket and throws an uncatchable
//    TypeError that kills the process (porsager/postgres#1154, #1208; the guard of open PR #1209: reject the
//    pending queries with CONNECTION_CLOSED instead, so callers get a catchable error).
// 2. terminate() and closed() clear the write timer without resetting it, so a reused connection never
//    flushes again and its queries hang (the fix reported against 3.4.9 in LanternOps/breeze#3225).
// It edits both module builds, refuses to guess if the code differs, and does nothing once applied.
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const MARK = '/* wechat-login-stack: patched */'
const edits = [
  [
    '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    "  function nextWrite(fn) {\n    if (!socket) {\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)",
  ],
  [
    '    clearImmediate(nextWriteTimer)\n    if (socket) {',
    '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {',
  ],
  [
    '    clearImmediate(nextWriteTimer)\n    socket.removeListener(',
    '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener(',
  ],
]

let root
try {
  // The package's exports hide package.json: find it above the main entry (cjs/src/index.js).
  root = dirname(dirname(dirname(createRequire(import.meta.url).resolve('postgres'))))
} catch {
  console.error('patch-postgres: postgres.js is not installed; nothing to mend')
  process.exit(0)
}
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
  const path = join(root, file)
  if (!existsSync(path)) continue
  let text = readFileSync(path, 'utf8')
  if (text.includes(MARK)) continue
  for (const [from, to] of edits) {
    if (text.split(from).length !== 2) {
      console.error(
        `patch-postgres: postgres.js ${version} ${file} differs from 3.4.9; check whether`,
      )
      console.error(
        'porsager/postgres#1209 was released, then update or drop scripts/patch-postgres.mjs',
      )
      process.exit(1)
    }
    text = text.replace(from, to)
  }
  writeFileSync(path, `${MARK}\n${text}`)
}
console.log(`patch-postgres: postgres.js ${version} guarded against writes after close`)
