// Builds the service into dist/service/main.js (one ESM file; packages stay external) and copies the
// migrations beside it. The Dockerfile runs this same script; `npm run serve` starts its output.
import { build } from 'esbuild'
import { cp, rm } from 'node:fs/promises'

await rm('dist/service', { recursive: true, force: true })
await build({
  entryPoints: ['service/main.ts'],
  outfile: 'dist/service/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
})
await cp('service/db/migrations', 'dist/service/migrations', { recursive: true })
console.log('built dist/service/main.js')
