// The stack's typed shape (custom domain, NAT mode, database size, task count, extra connections) and the
// one check that turns a bad combination into a sentence before anything is built.
import type { StackProps } from 'aws-cdk-lib'
import type { NatMode } from './network'
import type { ExtraConnection } from './service-secrets'

export interface WechatLoginStackProps extends StackProps {
  /** Custom domain of the authentication address. @default - the `*.cloudfront.net` domain */
  readonly domainName?: string
  /** ACM certificate for `domainName`, in us-east-1 (CloudFront's region). @default - none */
  readonly certificateArn?: string
  /** @default 'gateway' */
  readonly natMode?: NatMode
  /** RDS instance type, e.g. `t4g.micro` (a `db.` prefix is accepted). @default 't4g.micro' */
  readonly dbInstanceType?: string
  /** Database storage in GiB. @default 20 */
  readonly dbAllocatedStorage?: number
  /** @default true */
  readonly deletionProtection?: boolean
  /** @default 1 */
  readonly minTasks?: number
  /** @default 4 */
  readonly maxTasks?: number
  /** @default - no alarm mail */
  readonly alarmEmail?: string
  /** Further Mini Programs, their AppSecrets in existing Secrets Manager secrets. @default [] */
  readonly extraConnections?: readonly ExtraConnection[]
  /** CPU architecture of the image and the task. @default 'arm64' */
  readonly cpuArchitecture?: 'arm64' | 'x86_64'
}

const CONNECTION_ID = /^[a-z0-9-]{1,31}$/
const APP_ID = /^wx[0-9a-f]{16}$/
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[0-9a-f-]{36}$/
const INSTANCE_TYPE = /^(db\.)?[a-z][a-z0-9-]*\.[a-z0-9]+$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const SECRET_ID =
  /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}$/

function isWhole(n: unknown, min: number, max: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max
}

/** Returns every problem with the props, each a sentence; empty when they are fine. */
export function problemsWith(props: WechatLoginStackProps): string[] {
  const p: string[] = []
  if (props.certificateArn && !props.domainName)
    p.push(
      'certificateArn is set without domainName: CloudFront needs the domain the certificate covers.',
    )
  if (props.domainName && !props.certificateArn)
    p.push(
      'domainName is set without certificateArn: CloudFront needs an ACM certificate (in us-east-1) for it.',
    )
  if (props.domainName && !DOMAIN.test(props.domainName))
    p.push(
      `domainName "${props.domainName}" is not a lowercase host name such as login.example.com.`,
    )
  if (props.certificateArn) {
    const region = CERTIFICATE_ARN.exec(props.certificateArn)?.[1]
    if (!region) p.push(`certificateArn "${props.certificateArn}" is not an ACM certificate ARN.`)
    else if (region !== 'us-east-1')
      p.push(
        `certificateArn is in ${region}, but CloudFront only uses certificates from us-east-1.`,
      )
  }
  if (props.natMode !== undefined && props.natMode !== 'gateway' && props.natMode !== 'instance')
    p.push(`natMode must be "gateway" or "instance", not "${String(props.natMode)}".`)
  if (props.dbInstanceType !== undefined && !INSTANCE_TYPE.test(props.dbInstanceType))
    p.push(`dbInstanceType "${props.dbInstanceType}" is not an instance type such as t4g.micro.`)
  if (props.dbAllocatedStorage !== undefined && !isWhole(props.dbAllocatedStorage, 20, 65536))
    p.push('dbAllocatedStorage must be a whole number of GiB from 20 (the gp3 minimum) to 65536.')
  const min = props.minTasks ?? 1
  const max = props.maxTasks ?? Math.max(4, min)
  if (!isWhole(min, 1, 100)) p.push('minTasks must be a whole number from 1 to 100.')
  if (!isWhole(max, 1, 100)) p.push('maxTasks must be a whole number from 1 to 100.')
  else if (isWhole(min, 1, 100) && max < min)
    p.push(
      `maxTasks (${max}) is below minTasks (${min}): the service could never reach its minimum.`,
    )
  if (props.alarmEmail !== undefined && !EMAIL.test(props.alarmEmail))
    p.push(`alarmEmail "${props.alarmEmail}" is not an email address.`)
  if (props.cpuArchitecture !== undefined && !['arm64', 'x86_64'].includes(props.cpuArchitecture))
    p.push(`cpuArchitecture must be "arm64" or "x86_64", not "${String(props.cpuArchitecture)}".`)

  const ids = new Set<string>()
  ;(props.extraConnections ?? []).forEach((c, i) => {
    const at = `extraConnections[${i}]`
    if (!CONNECTION_ID.test(c.id ?? ''))
      p.push(`${at}.id must be lowercase letters, digits and "-", fewer than 32 characters.`)
    else if (ids.has(c.id)) p.push(`${at}.id repeats the connection id "${c.id}".`)
    ids.add(c.id)
    if (!APP_ID.test(c.appId ?? '')) p.push(`${at}.appId must be wx followed by 16 hex digits.`)
    if (!SECRET_ID.test(c.appSecretArn ?? ''))
      p.push(`${at}.appSecretArn must be the ARN or name of a Secrets Manager secret.`)
    if (c.appSecretJsonField !== undefined && !/^[A-Za-z0-9_.-]+$/.test(c.appSecretJsonField))
      p.push(`${at}.appSecretJsonField must be a plain JSON key.`)
    if ('appSecret' in c)
      p.push(`${at} has an appSecret: put it in Secrets Manager and pass appSecretArn instead.`)
  })
  return p
}

/** A configuration mistake: its message is meant for the operator, not a stack trace. */
export class StackConfigError extends Error {
  constructor(what: string, problems: string[]) {
    super(`Invalid ${what}:\n  - ${problems.join('\n  - ')}`)
    this.name = 'StackConfigError'
  }
}

export function validateStackProps(props: WechatLoginStackProps): void {
  const problems = problemsWith(props)
  if (problems.length) throw new StackConfigError('stack configuration', problems)
}
