// The checks of `npm run smoke`, in the order a request travels: TLS, the verification file, readiness,
// discovery and keys, then WeChat through each connection. A failure is one sentence saying what to fix.
import { call, probeTls, type Answer, type Target } from './https'

export interface SmokeOptions extends Target {
  /** Connection ids to prove WeChat through. */
  readonly connections: readonly string[]
  /** The business-domain verification file from the WeChat console: its name and exact content. */
  readonly verification?: { name: string; content: string }
  /** The stack's EgressIp output, named in the IP-whitelist sentence. */
  readonly egressIp?: string
}

export interface CheckResult {
  readonly check: string
  readonly status: 'ok' | 'fail' | 'skip'
  readonly detail: string
}

const DAY_MS = 86_400_000
/** A code WeChat can never have issued (its codes are 32 alphanumerics), so the answer is always 40029. */
const INVALID_CODE = 'smoke-check-invalid-code'

const errorCode = (a: Answer): string | undefined => a.json?.error?.code
const answered = (a: Answer) =>
  `${a.status}${errorCode(a) ? ` ${errorCode(a)}` : ''}${a.json ? '' : ` "${a.text.slice(0, 60).replace(/\s+/g, ' ')}"`}`

/** What the service's answer about WeChat means for the operator, when it is not the expected refusal. */
function wechatSentence(a: Answer, o: SmokeOptions, connection: string): string {
  switch (errorCode(a)) {
    case 'connection_not_found':
      return `there is no connection "${connection}": pass the WechatConnectionId you deployed with --connection.`
    case 'wechat_misconfigured':
      return 'WeChat refused the AppID or AppSecret (wechat_misconfigured): put the right ones in the stack’s parameters or secret, then force a new deployment.'
    case 'wechat_ip_not_whitelisted':
      return `WeChat refused the stack’s egress IP (errcode 40164): add ${o.egressIp ?? 'the stack’s EgressIp output'} to 开发管理 → 开发设置 → 开发者ID → IP白名单.`
    case 'wechat_unavailable':
      return 'the service could not reach WeChat (wechat_unavailable): check the NAT and the route out of the private subnets, or WeChat’s status.'
    case 'rate_limited':
    case 'wechat_rate_limited':
      return `rate limited (${errorCode(a)}): run the check again in a minute.`
    default:
      return `expected a refusal of the invalid code, got ${answered(a)}.`
  }
}

async function tls(o: SmokeOptions): Promise<CheckResult> {
  const check = 'TLS'
  try {
    const r = await probeTls(o)
    if (r.problem) return { check, status: 'fail', detail: `${r.problem}.` }
    const days = Math.floor((r.validTo.getTime() - Date.now()) / DAY_MS)
    const until = r.validTo.toISOString().slice(0, 10)
    return {
      check,
      status: 'ok',
      detail: `${r.protocol}, ${r.subject}, valid until ${until} (${days} days)`,
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    return {
      check,
      status: 'fail',
      detail: `no TLS 1.2 handshake with ${o.url.host} (${why}); WeChat requires TLS 1.2 or later.`,
    }
  }
}

async function verificationFile(o: SmokeOptions): Promise<CheckResult> {
  const check = 'verification file'
  if (!o.verification)
    return {
      check,
      status: 'skip',
      detail: 'pass --verification-file FILE (the file the WeChat console gave you) to check it.',
    }
  const { name, content } = o.verification
  const a = await call(o, 'GET', `/${encodeURIComponent(name)}`)
  if (a.status === 200 && a.text === content)
    return { check, status: 'ok', detail: `/${name} answers exactly its content` }
  return {
    check,
    status: 'fail',
    detail: `/${name} answered ${a.status} "${a.text.slice(0, 60).replace(/\s+/g, ' ')}" instead of exactly "${content}": deploy with VerificationFileName and VerificationFileContent set to the file’s name and content.`,
  }
}

async function readiness(o: SmokeOptions): Promise<CheckResult> {
  const a = await call(o, 'GET', '/readyz')
  if (a.status === 200) return { check: 'readiness', status: 'ok', detail: '/readyz answers 200' }
  const why = a.json?.error?.message ?? a.text.slice(0, 60)
  return {
    check: 'readiness',
    status: 'fail',
    detail: `/readyz answered ${answered(a)} (${why}): the service is not ready; see its log and the database.`,
  }
}

async function discovery(o: SmokeOptions): Promise<CheckResult> {
  const check = 'discovery and keys'
  const expected = o.url.origin + o.url.pathname.replace(/\/+$/, '')
  const d = await call(o, 'GET', '/.well-known/openid-configuration')
  const issuer: unknown = d.json?.issuer
  if (d.status !== 200 || typeof issuer !== 'string')
    return { check, status: 'fail', detail: `discovery answered ${answered(d)}.` }
  if (issuer !== expected)
    return {
      check,
      status: 'fail',
      detail: `the issuer is ${issuer}, not ${expected}: the service’s PUBLIC_URL (the stack’s domainName) is not the address checked, so tokens name another issuer.`,
    }
  const jwks = await call(o, 'GET', new URL(String(d.json.jwks_uri)).pathname)
  const keys = Array.isArray(jwks.json?.keys) ? jwks.json.keys.length : 0
  if (jwks.status !== 200 || keys === 0)
    return { check, status: 'fail', detail: `the JWKS answered ${answered(jwks)} with no keys.` }
  return { check, status: 'ok', detail: `issuer ${issuer}, ${keys} key(s) in the JWKS` }
}

/**
 * An invalid wx.login code travels load balancer → task → NAT → WeChat and back as invalid_code; an invalid
 * phone code does the same through the access-token API, which WeChat's IP whitelist guards.
 */
async function wechat(o: SmokeOptions, connection: string): Promise<CheckResult> {
  const check = `WeChat via ${connection}`
  const base = `/v1/connections/${encodeURIComponent(connection)}`
  const login = await call(o, 'POST', `${base}/login`, { code: INVALID_CODE })
  if (errorCode(login) !== 'invalid_code')
    return { check, status: 'fail', detail: wechatSentence(login, o, connection) }
  const phone = await call(o, 'POST', `${base}/phone`, { phoneCode: INVALID_CODE })
  // The AppID and AppSecret just worked for the login, so a refusal here is about the phone API itself.
  if (errorCode(phone) === 'wechat_misconfigured')
    return {
      check,
      status: 'fail',
      detail: `login works, but WeChat refused the phone-number call (errcode ${String(phone.json.error.errcode)}): 48001 means the Mini Program is not certified for phone numbers, which only matters if you use them.`,
    }
  if (errorCode(phone) !== 'invalid_phone_code')
    return { check, status: 'fail', detail: wechatSentence(phone, o, connection) }
  return {
    check,
    status: 'ok',
    detail: 'WeChat refused an invalid login code and an invalid phone code, as it should',
  }
}

/** Runs every check, reporting each as it ends; true when none failed. */
export async function runSmoke(
  o: SmokeOptions,
  report: (r: CheckResult) => void,
): Promise<boolean> {
  const first = await tls(o)
  report(first)
  const rest = [
    ['verification file', () => verificationFile(o)],
    ['readiness', () => readiness(o)],
    ['discovery and keys', () => discovery(o)],
    ...o.connections.map((id) => [`WeChat via ${id}`, () => wechat(o, id)] as const),
  ] as const
  let ok = first.status !== 'fail'
  for (const [check, run] of rest) {
    if (first.status === 'fail') {
      report({ check, status: 'skip', detail: 'not run without a trusted TLS connection.' })
      continue
    }
    const result = await run().catch((err: unknown): CheckResult => ({
      check,
      status: 'fail',
      detail: `no answer: ${err instanceof Error ? err.message : String(err)}.`,
    }))
    if (result.status === 'fail') ok = false
    report(result)
  }
  return ok
}

export function formatResult(r: CheckResult): string {
  const mark = { ok: 'ok  ', fail: 'FAIL', skip: 'skip' }[r.status]
  return `${mark}  ${r.check.padEnd(24)} ${r.detail}`
}
