// `npm run smoke` against the real service and the WeChat simulator behind a TLS front (playing the load
// balancer) whose certificate comes from a CA made here: it passes on the healthy stack, and each injected
// fault (certificate, verification file, readiness, AppSecret, IP whitelist) fails with its own sentence.
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createServer, type Server } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readMigrationTags } from '../../service/db/migrate'
import { runSmoke, type CheckResult } from '../../scripts/smoke/checks'
import { APP_A, APP_B, createTestApp, type TestApp } from '../helpers/test-app'

const dir = mkdtempSync(join(tmpdir(), 'smoke-'))
const at = (name: string) => join(dir, name)
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
const EGRESS_IP = '203.0.113.10'
const VERIFY = { name: 'MP_verify_Ab-c_12.txt', content: '7c5ffce3ba1f0e2c4b0fd684e371f25b' }

/** A certificate for `host` signed by the test CA, valid for `days` (negative: already expired). */
function certificate(name: string, host: string, days: number) {
  openssl(
    'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${host}`,
  ) // prettier-ignore
  writeFileSync(at(`${name}.ext`), `subjectAltName=DNS:${host}\n`)
  openssl(
    'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', `${name}.pem`, '-days', String(days), '-extfile', `${name}.ext`,
  ) // prettier-ignore
  return { key: readFileSync(at(`${name}.key`)), cert: readFileSync(at(`${name}.pem`)) }
}

let t: TestApp
let front: Server
let url: string
let ca: string
let certs: Record<'good' | 'otherHost' | 'expired', { key: Buffer; cert: Buffer }>
let served = VERIFY.content

beforeAll(async () => {
  openssl(
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=smoke test CA',
  ) // prettier-ignore
  ca = readFileSync(at('ca.pem'), 'utf8')
  certs = {
    good: certificate('good', 'localhost', 2),
    otherHost: certificate('other', 'login.example.com', 2),
    expired: certificate('expired', 'localhost', -1),
  }
  writeFileSync(at(VERIFY.name), `${VERIFY.content}\n`)

  // The front answers the verification file itself (as the stack's load balancer rule or static host
  // does) and forwards everything else to the service.
  let upstream = ''
  front = createServer(certs.good, (req, res) => {
    if (req.url === `/${VERIFY.name}`) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(served)
      return
    }
    const forward = httpRequest(
      `${upstream}${req.url}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    forward.on('error', () => res.writeHead(502).end())
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
  url = `https://localhost:${(front.address() as { port: number }).port}`
  t = await createTestApp({ connections: [APP_A, APP_B], env: { PUBLIC_URL: url } })
  upstream = t.url
  // The second Mini Program allows only the stack's egress IP, which this machine is not.
  await t.simControl('/apps', {
    appId: APP_B.appId,
    secret: APP_B.appSecret,
    ipWhitelist: [EGRESS_IP],
  })
}, 60_000)

afterAll(async () => {
  await new Promise((resolve) => front?.close(resolve))
  await t?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function smoke(connections = ['shop']) {
  const results: CheckResult[] = []
  const ok = await runSmoke(
    {
      url: new URL(url),
      ca,
      timeoutMs: 5000,
      connections,
      verification: VERIFY,
      egressIp: EGRESS_IP,
    },
    (r) => results.push(r),
  )
  const by = (check: string) => results.find((r) => r.check === check)!
  return { ok, results, by }
}

describe('npm run smoke', () => {
  it('passes every check of a healthy deployment and exits 0, one line per check', async () => {
    const { stdout } = await promisify(execFile)(
      'node',
      [
        '--import', 'tsx', 'scripts/smoke.ts', url, '--connection', 'shop',
        '--verification-file', at(VERIFY.name), '--ca', at('ca.pem'),
      ], // prettier-ignore
      { cwd: new URL('../..', import.meta.url).pathname, timeout: 30_000 },
    )
    const lines = stdout.trim().split('\n')
    expect(lines.map((l) => l.slice(0, 4))).toEqual(['ok  ', 'ok  ', 'ok  ', 'ok  ', 'ok  '])
    expect(stdout).toMatch(/TLSv1\.2, DNS:localhost, valid until/)
    expect(stdout).toContain(`issuer ${url}, 1 key(s) in the JWKS`)
  })

  it('fails on a certificate for another host, and exits 1 without trying the rest', async () => {
    front.setSecureContext(certs.otherHost)
    try {
      const { ok, results } = await smoke()
      expect(ok).toBe(false)
      expect(results[0]).toEqual({
        check: 'TLS',
        status: 'fail',
        detail: 'the certificate is for DNS:login.example.com, not localhost.',
      })
      expect(results.slice(1).map((r) => r.status)).toEqual(['skip', 'skip', 'skip', 'skip'])
      const cli = await promisify(execFile)(
        'node',
        ['--import', 'tsx', 'scripts/smoke.ts', url, '--ca', at('ca.pem')],
        { cwd: new URL('../..', import.meta.url).pathname, timeout: 30_000 },
      ).catch((err: { code: number; stdout: string }) => err)
      expect(cli).toMatchObject({ code: 1, stdout: expect.stringContaining('FAIL  TLS') })
    } finally {
      front.setSecureContext(certs.good)
    }
  })

  it('fails on an expired certificate', async () => {
    front.setSecureContext(certs.expired)
    try {
      const { ok, by } = await smoke()
      expect(ok).toBe(false)
      expect(by('TLS').detail).toMatch(/^the certificate expired on \d{4}-\d\d-\d\d\.$/)
    } finally {
      front.setSecureContext(certs.good)
    }
  })

  it('fails when the verification file does not answer exactly its content', async () => {
    served = `${VERIFY.content}\n<html></html>`
    try {
      const { ok, by } = await smoke()
      expect(ok).toBe(false)
      expect(by('verification file').detail).toMatch(
        /^\/MP_verify_Ab-c_12\.txt answered 200 .* instead of exactly "7c5ffce3ba1f0e2c4b0fd684e371f25b": deploy with VerificationFileName/,
      )
      expect(by('readiness').status).toBe('ok')
    } finally {
      served = VERIFY.content
    }
  })

  it('fails when /readyz answers 503', async () => {
    const tags = await readMigrationTags()
    const last = tags[tags.length - 1]!
    await t.db.execute(sql`DELETE FROM schema_migrations WHERE tag = ${last}`)
    try {
      const { ok, by } = await smoke()
      expect(ok).toBe(false)
      expect(by('readiness').detail).toBe(
        '/readyz answered 503 service_unavailable (1 migration(s) not applied.): the service is not ready; see its log and the database.',
      )
    } finally {
      await t.db.execute(sql`INSERT INTO schema_migrations (tag) VALUES (${last})`)
    }
  })

  it('fails with the AppSecret sentence when WeChat refuses the AppSecret', async () => {
    // The AppSecret reset in the WeChat console: the deployed one is now wrong (WeChat answers 40125).
    await t.simControl('/apps', { appId: APP_A.appId, secret: 'f'.repeat(32) })
    try {
      const { ok, by } = await smoke()
      expect(ok).toBe(false)
      expect(by('WeChat via shop').detail).toBe(
        'WeChat refused the AppID or AppSecret (wechat_misconfigured): put the right ones in the stack’s parameters or secret, then force a new deployment.',
      )
    } finally {
      await t.simControl('/apps', { appId: APP_A.appId, secret: APP_A.appSecret })
    }
  })

  it('tells a Mini Program without the phone-number permission apart from a wrong AppSecret', async () => {
    await t.simControl('/faults', {
      path: '/wxa/business/getuserphonenumber',
      errcode: 48001,
      times: 1,
    })
    const { ok, by } = await smoke()
    expect(ok).toBe(false)
    expect(by('WeChat via shop').detail).toBe(
      'login works, but WeChat refused the phone-number call (errcode 48001): 48001 means the Mini Program is not certified for phone numbers, which only matters if you use them.',
    )
  })

  it('fails with the egress IP to whitelist when WeChat answers 40164', async () => {
    const { ok, by } = await smoke(['shop', 'mall'])
    expect(ok).toBe(false)
    expect(by('WeChat via shop').status).toBe('ok')
    expect(by('WeChat via mall')).toEqual({
      check: 'WeChat via mall',
      status: 'fail',
      detail: `WeChat refused the stack’s egress IP (errcode 40164): add ${EGRESS_IP} to 开发管理 → 开发设置 → 开发者ID → IP白名单.`,
    })
  })
})
