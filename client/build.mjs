// Builds the Mini Program SDK: client/dist/index.js (one CommonJS file, ES2017, no dependencies) that the
// WeChat devtools' "Build npm" copies into miniprogram_npm, and its declarations beside it; and the web
// page's QR login widget, client/dist/qr-login-widget.js (an ES module for browsers). An argument names
// another output folder (the tests build into a temporary one).
import { build } from 'esbuild'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = dirname(fileURLToPath(import.meta.url))
const dist = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist')

await rm(dist, { recursive: true, force: true })
await build({
  entryPoints: [join(root, 'src/index.ts')],
  outfile: join(dist, 'index.js'),
  bundle: true,
  format: 'cjs',
  platform: 'neutral',
  // WeChat's JavaScript engines (old iOS JavaScriptCore among them) run ES2017 reliably.
  target: 'es2017',
  sourcemap: true,
  logLevel: 'warning',
})

await build({
  entryPoints: [join(root, 'src/qr-login-widget.ts')],
  outfile: join(dist, 'qr-login-widget.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2017',
  sourcemap: true,
  logLevel: 'warning',
})

const program = ts.createProgram(
  [join(root, 'src/index.ts'), join(root, 'src/qr-login-widget.ts')],
  {
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: join(root, 'src'),
    outDir: dist,
    strict: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2017,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  },
)
const { diagnostics } = program.emit()
if (diagnostics.length) {
  const host = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  }
  console.error(ts.formatDiagnostics(diagnostics, host))
  process.exit(1)
}
// Declarations name WeChat's types (the global WechatMiniprogram namespace): point them at the package a
// TypeScript Mini Program already has (WeChat's TypeScript template installs miniprogram-api-typings).
for (const file of await readdir(dist)) {
  if (!file.endsWith('.d.ts')) continue
  const path = join(dist, file)
  const text = await readFile(path, 'utf8')
  if (text.includes('WechatMiniprogram.'))
    await writeFile(path, `/// <reference types="miniprogram-api-typings" />\n${text}`)
}
process.stderr.write(`built ${join(dist, 'index.js')}\n`) // stdout is npm pack --json's
