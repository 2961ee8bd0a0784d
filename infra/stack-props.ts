// The stack's typed shape (Region, custom domain, NAT mode, database size, task count, extra connections)
// and the one check that turns a bad combination into a sentence before anything is built.
import type { StackProps } from 'aws-cdk-lib'
import type { NatMode } from './network'
import type { ExtraConnection } from './service-secrets'

export interface WechatLoginStackProps extends StackProps {
  /**
   * The Region to deploy to; `cn-north-1` or `cn-northwest-1` selects the China shape (no CloudFront: an
   * internet-facing load balancer on the ICP-filed domain).
   * @default - environment-agnostic, the global shape
   */
  readonly region?: string
  /**
   * Custom domain of the authentication address; required in China (the ICP-filed domain).
   * @default - the `*.cloudfront.net` domain
   */
  readonly domainName?: string
  /**
   * Certificate for `domainName`: ACM in us-east-1 (CloudFront's) for the global shape; in China an
   * imported ACM certificate of the stack's Region or an IAM server certificate. @default - none
   */
  readonly certificateArn?: string
  /** A standby database in a second zone. @default false */
  readonly multiAz?: boolean
  /** Zones to use (at least two) where some lack Fargate or VPC origins. @default - the Region's first two */
  readonly availabilityZones?: readonly string[]
  /** An Elastic IP (`eipalloc-…`) to leave from, e.g. the one a deleted stack kept. @default - a new, retained one */
  readonly egressIpAllocationId?: string
  /** Base image of service/Dockerfile, e.g. a copy in your own ECR where Docker Hub is unreachable. @default 'node:22-bookworm-slim' */
  readonly baseImage?: string
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
  /** @default - 4, or minTasks when that is higher (taskCounts) */
  readonly maxTasks?: number
  /** @default - no alarm mail */
  readonly alarmEmail?: string
  /** Further Mini Programs, their AppSecrets in existing Secrets Manager secrets. @default [] */
  readonly extraConnections?: readonly ExtraConnection[]
  /** CPU architecture of the image and the task. @default 'arm64'; 'x86_64' in China and in lean mode */
  readonly cpuArchitecture?: 'arm64' | 'x86_64'
  /**
   * Lean mode, for an idle bill under $30 a month: Fargate Spot, the smallest task, a NAT instance and
   * Aurora PostgreSQL Serverless v2 that pauses at 0 ACU when idle. Global shape only.
   * @default false
   */
  readonly lean?: boolean
  /** The Mini Program page a web login's QR code opens (WECHAT_QR_LOGIN_PAGE). @default - QR login off */
  readonly qrLoginPage?: string
  /** Which version of the Mini Program the QR code opens. @default 'release' */
  readonly qrLoginEnvVersion?: 'release' | 'trial' | 'develop'
  /** Origins whose pages may start and poll a QR login (WECHAT_WEB_ORIGINS). @default [] */
  readonly webOrigins?: readonly string[]
  /**
   * Complete ARN or name of an existing secret whose string is the WEBHOOKS JSON; the task receives it as
   * the WEBHOOKS secret. @default - no webhooks
   */
  readonly webhooksSecretArn?: string
}

/** The task counts the stack deploys: the one place their defaults are decided. */
export function taskCounts(props: WechatLoginStackProps): { min: number; max: number } {
  const min = props.minTasks ?? 1
  return { min, max: props.maxTasks ?? Math.max(4, min) }
}

const CONNECTION_ID = /^[a-z0-9-]{1,31}$/
const APP_ID = /^wx[0-9a-f]{16}$/
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[0-9a-f-]{36}$/
const IAM_CERTIFICATE_ARN = /^arn:aws-cn:iam::\d{12}:server-certificate\/[\w+=,.@/-]{1,128}$/
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/
const ZONE = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/
const ALLOCATION_ID = /^eipalloc-[0-9a-f]{8,17}$/
const IMAGE = /^[a-z0-9][\w./:@-]{0,254}$/

/** The China Regions (partition aws-cn) have no CloudFront VPC origins or Origin Access Control. */
export const isChina = (region: string | undefined): boolean => !!region?.startsWith('cn-')
const INSTANCE_TYPE = /^(db\.)?[a-z][a-z0-9-]*\.[a-z0-9]+$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const QR_PAGE = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/
const ORIGIN = /^https:\/\/[a-z0-9.-]+(:\d{1,5})?$/
const SECRET_ID =
  /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}$/
/** What Secrets Manager appends to a secret's name in its ARN: `-` and six characters. */
const COMPLETE_ARN = /:secret:.+-[A-Za-z0-9]{6}$/

function isWhole(n: unknown, min: number, max: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max
}

/** Returns every problem with the props, each a sentence; empty when they are fine. */
export function problemsWith(props: WechatLoginStackProps): string[] {
  const p: string[] = []
  const china = isChina(props.region)
  if (props.region !== undefined && !REGION.test(props.region))
    p.push(`region "${props.region}" is not a Region name such as us-east-1 or cn-north-1.`)
  if (china && (!props.domainName || !props.certificateArn))
    p.push(
      `The China Regions need -c domainName=<your ICP-filed domain> and -c certificateArn=<its certificate, imported into ACM in ${props.region} or uploaded to IAM>, since the load balancer itself is the address.`,
    )
  else if (props.certificateArn && !props.domainName)
    p.push(
      'certificateArn is set without domainName: CloudFront needs the domain the certificate covers.',
    )
  else if (props.domainName && !props.certificateArn)
    p.push(
      'domainName is set without certificateArn: CloudFront needs an ACM certificate (in us-east-1) for it.',
    )
  if (props.domainName && !DOMAIN.test(props.domainName))
    p.push(
      `domainName "${props.domainName}" is not a lowercase host name such as login.example.com.`,
    )
  if (props.certificateArn) {
    const region = CERTIFICATE_ARN.exec(props.certificateArn)?.[1]
    const iam = IAM_CERTIFICATE_ARN.test(props.certificateArn)
    if (china) {
      if (!iam && region !== props.region)
        p.push(
          `certificateArn must be an ACM certificate in ${props.region} or an IAM server certificate (arn:aws-cn:iam::…:server-certificate/…).`,
        )
    } else if (!region)
      p.push(`certificateArn "${props.certificateArn}" is not an ACM certificate ARN.`)
    else if (region !== 'us-east-1')
      p.push(
        `certificateArn is in ${region}, but CloudFront only uses certificates from us-east-1.`,
      )
  }
  const zones = props.availabilityZones
  if (zones !== undefined) {
    if (zones.length < 2 || !zones.every((z) => ZONE.test(z)))
      p.push('availabilityZones must name at least two zones, such as us-east-1a,us-east-1b.')
    else if (props.region && !zones.every((z) => z.slice(0, -1) === props.region))
      p.push(`availabilityZones must all be zones of ${props.region}.`)
  }
  if (props.egressIpAllocationId !== undefined && !ALLOCATION_ID.test(props.egressIpAllocationId))
    p.push(
      'egressIpAllocationId must be an Elastic IP allocation id such as eipalloc-0123456789abcdef0.',
    )
  if (props.baseImage !== undefined && !IMAGE.test(props.baseImage))
    p.push(
      `baseImage "${props.baseImage}" is not an image reference such as node:22-bookworm-slim.`,
    )
  if (props.natMode !== undefined && props.natMode !== 'gateway' && props.natMode !== 'instance')
    p.push(`natMode must be "gateway" or "instance", not "${String(props.natMode)}".`)
  if (props.dbInstanceType !== undefined && !INSTANCE_TYPE.test(props.dbInstanceType))
    p.push(`dbInstanceType "${props.dbInstanceType}" is not an instance type such as t4g.micro.`)
  if (props.dbAllocatedStorage !== undefined && !isWhole(props.dbAllocatedStorage, 20, 65536))
    p.push('dbAllocatedStorage must be a whole number of GiB from 20 (the gp3 minimum) to 65536.')
  const { min, max } = taskCounts(props)
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
  if (props.lean && china)
    p.push(
      'lean is for the global shape only: Aurora PostgreSQL Serverless v2 with auto-pause and Fargate Spot are not confirmed in the China Regions, and without CloudFront the load balancer dominates the bill there anyway.',
    )
  if (props.lean && (props.dbInstanceType !== undefined || props.dbAllocatedStorage !== undefined))
    p.push(
      'dbInstanceType and dbAllocatedStorage size an RDS instance; lean runs Aurora Serverless v2, which sizes itself: drop them or lean.',
    )
  if (
    props.qrLoginPage !== undefined &&
    !(QR_PAGE.test(props.qrLoginPage) && props.qrLoginPage.length <= 128)
  )
    p.push(
      `qrLoginPage "${props.qrLoginPage}" is not a page path such as pages/qr-login/index (no leading "/").`,
    )
  if (
    props.qrLoginEnvVersion !== undefined &&
    !['release', 'trial', 'develop'].includes(props.qrLoginEnvVersion)
  )
    p.push(
      `qrLoginEnvVersion must be "release", "trial" or "develop", not "${String(props.qrLoginEnvVersion)}".`,
    )
  for (const origin of props.webOrigins ?? [])
    if (!ORIGIN.test(origin))
      p.push(
        `webOrigins entry "${origin}" is not an https origin such as https://admin.example.com.`,
      )
  if ((props.webOrigins?.length || props.qrLoginEnvVersion) && !props.qrLoginPage)
    p.push(
      'webOrigins and qrLoginEnvVersion only matter with qrLoginPage, which turns QR login on.',
    )

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
    for (const key of ['pushTokenJsonField', 'encodingAesKeyJsonField'] as const)
      if (c[key] !== undefined && !/^[A-Za-z0-9_.-]+$/.test(c[key]))
        p.push(`${at}.${key} must be a plain JSON key.`)
    if (c.encodingAesKeyJsonField !== undefined && c.pushTokenJsonField === undefined)
      p.push(
        `${at}.encodingAesKeyJsonField needs pushTokenJsonField: WeChat signs every push with the Token.`,
      )
    if ('appSecret' in c)
      p.push(`${at} has an appSecret: put it in Secrets Manager and pass appSecretArn instead.`)
  })
  const webhooks = props.webhooksSecretArn
  if (
    webhooks !== undefined &&
    (!SECRET_ID.test(webhooks) || (webhooks.startsWith('arn:') && !COMPLETE_ARN.test(webhooks)))
  )
    p.push(
      'webhooksSecretArn must be the complete ARN of a Secrets Manager secret (as create-secret prints it, ending in -XXXXXX) or its name.',
    )
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
