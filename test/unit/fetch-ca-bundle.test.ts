// The image build's CA download (scripts/fetch-ca-bundle.mjs, run by service/Dockerfile): it keeps only PEM
// CA certificates, refuses an error page or a plain-HTTP URL, and writes nothing when no URL is given.
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rdsCertificates } from '../../service/db/tls'

const run = promisify(execFile)
const pages: Record<string, string> = {
  '/bundle.pem': rdsCertificates.slice(0, 2).join('\n'),
  '/error.html': '<html>Access denied</html>',
}

async function fetchBundle(url: string, out: string) {
  return run('node', ['scripts/fetch-ca-bundle.mjs', url, out], { timeout: 20_000 }).then(
    (r) => ({ code: 0, stderr: r.stderr }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  )
}

describe('the image build’s CA bundle download', () => {
  let server: Server
  let base: string
  let dir: string

  beforeAll(async () => {
    server = createServer((req, res) => {
      const page = pages[req.url ?? '']
      res.writeHead(page ? 200 : 404).end(page ?? 'not found')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    dir = await mkdtemp(join(tmpdir(), 'ca-bundle-'))
  })
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve))
    await rm(dir, { recursive: true, force: true })
  })

  it('writes the CA certificates of the bundle', async () => {
    const out = join(dir, 'ok', 'rds-ca.pem')
    expect(await fetchBundle(`${base}/bundle.pem`, out)).toMatchObject({ code: 0 })
    const written = await readFile(out, 'utf8')
    expect(written.match(/BEGIN CERTIFICATE/g)).toHaveLength(2)
    expect(written).toContain(rdsCertificates[0]!.trim().split('\n')[1])
  })

  it('refuses a page that holds no certificate, and writes nothing', async () => {
    const out = join(dir, 'error', 'rds-ca.pem')
    const result = await fetchBundle(`${base}/error.html`, out)
    expect(result).toMatchObject({ code: 1 })
    expect(result.stderr).toContain('holds no PEM certificate')
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('refuses a failed download and a plain-HTTP URL off this machine', async () => {
    expect((await fetchBundle(`${base}/missing.pem`, join(dir, 'x.pem'))).stderr).toContain(
      'answered 404',
    )
    expect(
      (await fetchBundle('http://rds-truststore.example/bundle.pem', join(dir, 'y.pem'))).stderr,
    ).toContain('must be an https:// URL')
  })

  it('writes nothing without a URL, so the image falls back to the built-in RDS bundle', async () => {
    const out = join(dir, 'none', 'rds-ca.pem')
    expect(await fetchBundle('', out)).toMatchObject({ code: 0 })
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
