// Summarizes a V8 CPU profile (from `npm run bench -- --profile`): self time by package and by function,
// and the share of busy samples spent inside each function (inclusive), over the last seconds if asked.
// Usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top=25] [last seconds only]
import { readFileSync } from 'node:fs'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: Node[]
  samples: number[]
  timeDeltas: number[]
}

const [file, topArg, lastArg] = process.argv.slice(2)
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top] [last seconds]')
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const top = Number(topArg ?? 25)

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parentOf = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id)

/** The bench's bundles, node_modules/<package>, node internals, or V8's own entries ((garbage collector)). */
function packageOf(url: string, name: string): string {
  const bundle = /wechat-login-stack-bench\/([^/]+)\.js/.exec(url)
  if (bundle) return `${bundle[1]} (ours)`
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (m) return m[1]!
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0]
  if (!url) return name.startsWith('(') ? name : '(native)'
  return url.split('/').slice(-2).join('/')
}
const label = ({ callFrame: f }: Node) =>
  `${f.functionName || '(anonymous)'}  ${packageOf(f.url, f.functionName)}:${f.lineNumber + 1}`

// The scenario measured last ends the profile: `last` keeps only its final seconds.
const elapsed = profile.timeDeltas.reduce((a, b) => a + b, 0)
const from = lastArg ? elapsed - Number(lastArg) * 1e6 : 0
const self = new Map<string, number>()
const selfByPackage = new Map<string, number>()
const inclusive = new Map<string, number>()
const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us)
let at = 0
let total = 0
let busy = 0
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] ?? 0
  at += us
  if (at < from) return
  const node = byId.get(id)!
  total += us
  add(self, label(node), us)
  add(selfByPackage, packageOf(node.callFrame.url, node.callFrame.functionName), us)
  if (node.callFrame.functionName === '(idle)') return
  busy += us
  const seen = new Set<string>()
  for (let n: number | undefined = id; n !== undefined; n = parentOf.get(n)) {
    const k = label(byId.get(n)!)
    if (!seen.has(k)) add(inclusive, k, us)
    seen.add(k)
  }
})

const print = (title: string, m: Map<string, number>, of: number) => {
  console.log(`\n${title}`)
  const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
  for (const [k, us] of rows) console.log(`${((us / of) * 100).toFixed(1).padStart(5)}%  ${k}`)
}
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`)
print('self time by package', selfByPackage, total)
print('self time by function', self, total)
inclusive.delete(label(profile.nodes[0]!)) // (root)
print('inside each function, share of busy time', inclusive, busy)
