// The README is the front door: every error code and configuration variable the code has is documented there.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { errorStatus } from '../../service/errors'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const config = readFileSync(new URL('../../service/config.ts', import.meta.url), 'utf8')

describe('README.md', () => {
  it('lists every error code under its status', () => {
    const rows = readme.slice(readme.indexOf('Error codes by status')).split('\n')
    for (const [code, status] of Object.entries(errorStatus)) {
      const row = rows.find((line) => new RegExp(`^\\|\\s*${status}\\s*\\|`).test(line))
      expect(row, `a row for ${status}`).toBeDefined()
      expect(row, `${code} under ${status}`).toContain(`\`${code}\``)
    }
  })

  it('documents every environment variable loadConfig reads', () => {
    // Read as env.NAME, or by name through the integer() and boolean() helpers.
    const names = new Set([
      ...[...config.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!),
      ...[...config.matchAll(/'([A-Z][A-Z0-9_]{2,})'/g)].map((m) => m[1]!),
    ])
    for (const name of ['PORT', 'MASTER_KEY', 'DB_HOST', 'RATE_LIMIT_IP_PER_MINUTE']) {
      expect(names).toContain(name)
    }
    for (const name of names) expect(readme, name).toContain(`\`${name}\``)
  })
})
