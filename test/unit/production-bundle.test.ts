// What production runs is dist/service/main.js, built from service/main.ts: the playground and the QR demo
// of `npm start` (and esbuild, which they need) must not be in it; the admin console must.
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

describe('the production bundle', () => {
  it('contains the admin console but not the playground, the QR demo or esbuild', async () => {
    const out = await build({
      entryPoints: ['service/main.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    const inputs = Object.keys(out.metafile.inputs)
    const imports = Object.values(out.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path))
    expect(inputs).toContain('service/console/routes.ts')
    expect(inputs.filter((p) => /service\/(playground|qr-demo)/.test(p))).toEqual([])
    expect(imports).not.toContain('esbuild')
  })
})
