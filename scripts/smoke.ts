// `npm run smoke -- https://login.example.com [--connection ID]… [--verification-file FILE] [--egress-ip IP]
// [--ca FILE]`: proves a live deployment end to end from the operator's machine, one line per check; the exit
// status is 0 only when every check passed.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { formatResult, runSmoke } from './smoke/checks'
import { usageError } from './usage-error'

const usage =
  'usage: npm run smoke -- https://login.example.com [--connection ID]… [--verification-file FILE] [--egress-ip IP] [--ca FILE] [--timeout MS]'

const fail: (message: string) => never = usageError(usage)

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    connection: { type: 'string', multiple: true },
    'verification-file': { type: 'string' },
    'egress-ip': { type: 'string' },
    ca: { type: 'string' },
    timeout: { type: 'string', default: '10000' },
  },
})
if (positionals.length !== 1) fail('Give the authentication address, and only it.')
const raw = positionals[0]!
if (!URL.canParse(raw) || new URL(raw).protocol !== 'https:')
  fail(`"${raw}" is not an https:// URL; WeChat only calls https addresses.`)
const timeoutMs = Number(values.timeout)
if (!Number.isInteger(timeoutMs) || timeoutMs < 100)
  fail('--timeout must be milliseconds, 100 or more.')

const file = values['verification-file']
const ok = await runSmoke(
  {
    url: new URL(raw),
    ca: values.ca ? readFileSync(values.ca, 'utf8') : undefined,
    timeoutMs,
    // The stack's default connection id, when none is named.
    connections: values.connection ?? ['wechat-miniprogram'],
    verification: file
      ? { name: basename(file), content: readFileSync(file, 'utf8').trim() }
      : undefined,
    egressIp: values['egress-ip'],
  },
  (r) => console.log(formatResult(r)),
)
process.exit(ok ? 0 : 1)
