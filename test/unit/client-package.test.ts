// The SDK as it is published: `npm pack ./client` builds first and ships dist/, and its ErrorCode union
// names exactly the service's codes plus the SDK's own.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { errorStatus } from '../../service/errors'

describe('the client package', () => {
  it('npm pack ./client runs the build and packs dist/ with its declarations', () => {
    const out = execFileSync('npm', ['pack', './client', '--dry-run', '--json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const [pack] = JSON.parse(out) as { name: string; files: { path: string }[] }[]
    const files = pack!.files.map((f) => f.path)
    expect(pack!.name).toBe('wechat-login-stack-client')
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/types.d.ts',
      ]),
    )
    expect(files.filter((f) => !f.startsWith('dist/') && f !== 'package.json')).toEqual([])
  }, 120_000)

  it("names every service error code in the SDK's ServerErrorCode union, and no other", () => {
    const source = readFileSync('client/src/error-codes.ts', 'utf8')
    const union = source.match(/export type ServerErrorCode =([^=]*?)\n\n/)![1]!
    const named = [...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1])
    expect(named.sort()).toEqual(Object.keys(errorStatus).sort())
  })

  it('is named the same wherever the docs tell you to install or require it', () => {
    const { name } = JSON.parse(readFileSync('client/package.json', 'utf8')) as { name: string }
    const docs = ['README.md', 'docs/sdk.md', 'docs/getting-started.md']
      .map((p) => readFileSync(p, 'utf8'))
      .join('\n')
    const mentioned = [...docs.matchAll(/(?:npm install|require\()\s*'?([a-z@][\w@/.-]*-client)/g)]
    expect(mentioned.length).toBeGreaterThan(0)
    expect(new Set(mentioned.map((m) => m[1]))).toEqual(new Set([name]))
  })
})
