// `npm run import -- FILE [--url URL] [--lines-per-request N]`: streams an NDJSON file of users to a running
// service's POST /v1/admin/users/import (ADMIN_API_KEY from the environment), in parts of N lines so that no
// request outlives HTTP_REQUEST_TIMEOUT_MS; prints the report with the file's line numbers and exits 1 when
// any line was refused, 2 when the import could not run. Rerunning it is safe: imported lines are skipped.
import { createReadStream } from 'node:fs'
import { parseArgs } from 'node:util'
import { sendInParts, type ImportTotals } from './import/parts'
import { usageError } from './usage-error'

const usage =
  'usage: ADMIN_API_KEY=… npm run import -- FILE [--url http://localhost:3000] [--lines-per-request 5000]'

const fail: (message: string) => never = usageError(usage)

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: 'http://localhost:3000' },
    'lines-per-request': { type: 'string', default: '5000' },
  },
})
if (positionals.length !== 1) fail('Give the NDJSON file to import, and only it.')
const key = process.env.ADMIN_API_KEY
if (!key) fail("Set ADMIN_API_KEY to the service's admin API key.")
if (!URL.canParse(values.url)) fail(`--url "${values.url}" is not a URL.`)
const linesPerRequest = Number(values['lines-per-request'])
if (!Number.isInteger(linesPerRequest) || linesPerRequest < 1)
  fail('--lines-per-request must be a whole number, 1 or more.')

const file = createReadStream(positionals[0]!)
const opened = await new Promise<Error | undefined>((resolve) => {
  file.once('readable', () => resolve(undefined))
  file.once('error', resolve)
})
if (opened) fail(`Cannot read ${positionals[0]}: ${opened.message}`)

const print = (t: ImportTotals) =>
  console.log(
    `created ${t.created}, updated ${t.updated}, skipped ${t.skipped}, errors ${t.errorCount}`,
  )
try {
  const totals = await sendInParts(file, {
    endpoint: new URL('/v1/admin/users/import', values.url),
    adminKey: key,
    linesPerRequest,
    onError: (e) => console.error(`line ${e.line}: ${e.code}: ${e.message}`),
  })
  print(totals)
  process.exit(totals.errorCount > 0 ? 1 : 0)
} catch (err) {
  const { totals, message } = err as { totals?: ImportTotals; message: string }
  console.error(message)
  if (totals) print(totals)
  process.exit(2)
}
