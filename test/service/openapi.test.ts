// /openapi.json describes exactly what the app serves: every route, the committed copy up to date, every
// documented error code real, and what each route actually answers to a bad request documented.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../service/app'
import { errorStatus } from '../../service/errors'
import { createTestApp, type TestApp } from '../helpers/test-app'

const ADMIN_KEY = 'admin-key-for-openapi-tests-0123456789'
type Operation = { responses: Record<string, { 'x-error-codes'?: string[] }> }
type Doc = { paths: Record<string, Record<string, Operation>> }

let t: TestApp
let doc: Doc
beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY } })
  const res = await t.request('GET', '/openapi.json')
  expect(res.status).toBe(200)
  doc = res.json
})
afterAll(() => t.close())

const documented = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
  )

describe('/openapi.json', () => {
  it('is OpenAPI 3.1 and the committed docs/openapi.json is the same document', () => {
    expect(doc).toMatchObject({ openapi: '3.1.0' })
    const committed = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as unknown
    expect(committed, 'docs/openapi.json is stale: run `npm run openapi` and commit it').toEqual(
      doc,
    )
  })

  it('documents every route the app serves (admin API on), and no route it does not serve', () => {
    const app = createApp(t.deps)
    const served = new Set(
      app.routes
        // The admin console's HTML pages (docs/admin-console.md) are for a browser, not API routes.
        .filter(
          (r) => r.method !== 'ALL' && !r.path.includes('*') && !/^\/admin(\/|$)/.test(r.path),
        )
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    )
    expect([...served].sort()).toEqual(documented().sort())
  })

  it('names only error codes that exist, each under its own status', () => {
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        for (const [status, response] of Object.entries(op.responses))
          for (const code of response['x-error-codes'] ?? [])
            expect(errorStatus[code as keyof typeof errorStatus], `${method} ${path} ${code}`).toBe(
              Number(status),
            )
  })

  it('documents what each native route answers to a body with an unknown field and no token', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/') && !path.startsWith('/.well-known/')) continue
      for (const [method, op] of Object.entries(ops)) {
        const url = path.replace('{connection}', 'shop').replace('{id}', 'u_unknown')
        const body = method === 'get' || method === 'delete' ? undefined : { unknownField: 1 }
        const res = await t.request(method.toUpperCase(), url, body)
        const where = `${method.toUpperCase()} ${path} answered ${res.status} ${res.json?.error?.code}`
        expect(Object.keys(op.responses), where).toContain(String(res.status))
        if (res.status >= 400)
          expect(op.responses[res.status]!['x-error-codes'], where).toContain(res.json.error.code)
      }
    }
  })
})
