// The docs stay true: every error code and configuration variable the code has is documented, and every
// relative link and anchor in the README and docs/ resolves.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { errorStatus } from '../../service/errors'

const root = fileURLToPath(new URL('../..', import.meta.url))
const read = (path: string) => readFileSync(join(root, path), 'utf8')
const pages = [
  'README.md',
  'CHANGELOG.md',
  'bench/README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
]

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-')
}

/** The anchors a Markdown page defines: its headings, outside fenced code, numbered as GitHub does on repeats. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  let fenced = false
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    const m = !fenced && /^#{1,6} (.+)$/.exec(line)
    if (!m) continue
    const base = slug(m[1]!)
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

describe('the docs', () => {
  it('resolve every relative link and anchor', () => {
    const broken: string[] = []
    for (const page of pages) {
      const text = read(page).replace(/```[\s\S]*?```/g, '')
      for (const m of text.matchAll(/\]\(([^)\s]*)\)/g)) {
        const link = m[1]!
        if (/^[a-z]+:/.test(link)) continue
        const [file, anchor] = link.split('#') as [string, string | undefined]
        const target = file ? relative(root, join(root, dirname(page), file)) : page
        if (!existsSync(join(root, target))) broken.push(`${page}: ${link} (no file)`)
        else if (
          anchor !== undefined &&
          target.endsWith('.md') &&
          !anchors(read(target)).has(anchor)
        )
          broken.push(`${page}: ${link} (no heading)`)
      }
    }
    expect(broken).toEqual([])
  })

  it('keep the README the front door: under 20 KB, linking every page of docs/', () => {
    const readme = read('README.md')
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(20 * 1024)
    expect(readme).toContain('npm start')
    expect(readme).toContain('npm test')
    for (const page of pages.filter((p) => p.startsWith('docs/')))
      expect(readme).toContain(`(${page})`)
  })

  it('never point outside the repository', () => {
    for (const page of pages) expect(read(page), page).not.toMatch(/\.\.\/shared|DESIGN\.md/)
  })

  it('list every error code under its status', () => {
    const api = read('docs/api.md')
    const rows = api.slice(api.indexOf('Error codes by status')).split('\n')
    for (const [code, status] of Object.entries(errorStatus)) {
      const row = rows.find((line) => new RegExp(`^\\|\\s*${status}\\s*\\|`).test(line))
      expect(row, `a row for ${status}`).toBeDefined()
      expect(row, `${code} under ${status}`).toContain(`\`${code}\``)
    }
  })

  it('list no error code the service does not have', () => {
    const api = read('docs/api.md')
    const table = api.slice(api.indexOf('Error codes by status')).split('\n\n')[1]!
    // The codes, not the words of the explanations in parentheses.
    const codes = table.replace(/\([^)]*\)/g, '')
    const documented = [...codes.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!)
    expect(documented.length).toBeGreaterThan(20)
    expect(documented.filter((code) => !(code in errorStatus))).toEqual([])
  })

  it('document no environment variable loadConfig does not read', () => {
    const config = read('service/config.ts')
    const table = read('docs/configuration.md')
      .split('\n')
      .filter((l) => l.startsWith('| `'))
    const documented = table.flatMap((row) =>
      [...row.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!),
    )
    expect(documented.length).toBeGreaterThan(15)
    expect(documented.filter((name) => !config.includes(name))).toEqual([])
  })

  it('document every environment variable loadConfig reads', () => {
    const config = read('service/config.ts')
    const documented = read('docs/configuration.md')
    // Read as env.NAME, or by name through the integer() and boolean() helpers.
    const names = new Set([
      ...[...config.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!),
      ...[...config.matchAll(/'([A-Z][A-Z0-9_]{2,})'/g)].map((m) => m[1]!),
    ])
    for (const name of ['PORT', 'MASTER_KEY', 'DB_HOST', 'RATE_LIMIT_IP_PER_MINUTE']) {
      expect(names).toContain(name)
    }
    for (const name of names) expect(documented, name).toContain(`\`${name}\``)
  })

  it('show example files exactly as they are in the repository', () => {
    const page = read('docs/simulator-and-testing.md')
    expect(page).toContain(`\`\`\`ts\n${read('examples/testing/login.test.ts')}\`\`\``)
  })

  it('mention every route of the OpenAPI document on a page', () => {
    const { paths } = JSON.parse(read('docs/openapi.json')) as { paths: Record<string, unknown> }
    const text = ['docs/api.md', 'docs/operations.md', 'docs/authing.md'].map(read).join('\n')
    for (const path of Object.keys(paths)) expect(text, path).toContain(path)
  })
})
