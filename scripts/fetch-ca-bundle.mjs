// Image build step (service/Dockerfile): downloads the database CA bundle at RDS_CA_BUNDLE_URL into the
// image, since no npm package carries the China Regions' RDS roots. Refuses anything but PEM certificates,
// so a proxy's error page can never become the trust store; with no URL it writes nothing.
// Usage: node fetch-ca-bundle.mjs <https URL or ""> <output file>
import { X509Certificate } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

const [url = '', out] = process.argv.slice(2)
const fail = (sentence) => {
  process.stderr.write(`RDS_CA_BUNDLE_URL: ${sentence}\n`)
  process.exit(1)
}
if (!out) fail('usage: fetch-ca-bundle.mjs <URL> <output file>')
mkdirSync(dirname(out), { recursive: true })
if (url) {
  let parsed
  try {
    parsed = new URL(url)
  } catch {
    fail(`"${url}" is not a URL.`)
  }
  // Plain HTTP only to this machine (the tests); anyone on the path could otherwise swap the roots.
  if (parsed.protocol !== 'https:' && parsed.hostname !== '127.0.0.1')
    fail(`${url} must be an https:// URL.`)
  const response = await fetch(parsed, { signal: AbortSignal.timeout(30_000) }).catch((err) =>
    fail(`could not download ${url}: ${err.message}`),
  )
  if (!response.ok) fail(`${url} answered ${response.status}.`)
  const body = await response.text()
  const blocks = body.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []
  if (blocks.length === 0) fail(`${url} holds no PEM certificate.`)
  for (const block of blocks) {
    try {
      if (!new X509Certificate(block).ca) fail(`${url} holds a certificate that is not a CA.`)
    } catch {
      fail(`${url} holds a certificate that does not parse.`)
    }
  }
  writeFileSync(out, `${blocks.join('\n')}\n`)
  process.stdout.write(`${blocks.length} CA certificate(s) from ${url} in ${out}\n`)
}
