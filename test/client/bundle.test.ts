// The built SDK is what a Mini Program runs after "Build npm": one CommonJS file that requires nothing.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { describe, expect, it, onTestFinished } from 'vitest'

describe('npm run build:client', () => {
  it('writes one CommonJS file with no dependencies, and its declarations', () => {
    // A folder of its own: the suite runs once per database project, possibly at the same time.
    const out = mkdtempSync(join(tmpdir(), 'client-dist-'))
    onTestFinished(() => rmSync(out, { recursive: true, force: true }))
    execFileSync(process.execPath, ['client/build.mjs', out], { stdio: 'pipe' })
    const code = readFileSync(join(out, 'index.js'), 'utf8')
    expect(code).not.toMatch(/\brequire\(/)
    // A context with nothing but what CommonJS gives: WeChat's runtime has no Node globals.
    const module = { exports: {} as Record<string, unknown> }
    runInNewContext(code, { module, exports: module.exports })
    expect(Object.keys(module.exports).sort()).toEqual(['WechatLogin', 'WechatLoginError'])
    const types = readFileSync(join(out, 'types.d.ts'), 'utf8')
    expect(types).toMatch(/^\/\/\/ <reference types="miniprogram-api-typings" \/>/)
    const manifest = JSON.parse(readFileSync('client/package.json', 'utf8'))
    expect(manifest).toMatchObject({ main: 'dist/index.js', miniprogram: 'dist' })
    expect(manifest.dependencies).toBeUndefined()
  })
})
