// Reads the stack's typed props from CDK context (`cdk.json` or `-c key=value`); values given on the command
// line arrive as strings, so numbers, booleans and JSON are parsed here, naming the key that is wrong.
import type { ExtraConnection } from './service-secrets'
import { isChina, StackConfigError, type WechatLoginStackProps } from './stack-props'

type Lookup = (key: string) => unknown

const china = (region: string | undefined) => (isChina(region) ? region : undefined)

/**
 * `defaultRegion` is CDK_DEFAULT_REGION (the CLI's profile Region): it selects the China shape, while a
 * global deployment stays environment-agnostic unless `-c region=` pins it.
 */
export function propsFromContext(get: Lookup, defaultRegion?: string): WechatLoginStackProps {
  const problems: string[] = []
  const text = (key: string): string | undefined => {
    const v = get(key)
    if (v === undefined || v === null || v === '') return undefined
    if (typeof v === 'string') return v
    problems.push(`${key} must be a string.`)
    return undefined
  }
  const number = (key: string): number | undefined => {
    const v = get(key)
    if (v === undefined || v === null || v === '') return undefined
    const n = typeof v === 'string' ? Number(v) : v
    if (typeof n === 'number' && Number.isFinite(n)) return n
    problems.push(`${key} must be a number (got ${JSON.stringify(v)}).`)
    return undefined
  }
  const flag = (key: string): boolean | undefined => {
    const v = get(key)
    if (v === undefined || v === null || v === '') return undefined
    if (v === true || v === 'true') return true
    if (v === false || v === 'false') return false
    problems.push(`${key} must be true or false (got ${JSON.stringify(v)}).`)
    return undefined
  }
  const list = (key: string): string[] | undefined => {
    const v = get(key)
    if (v === undefined || v === null || v === '') return undefined
    if (typeof v === 'string') return v.split(',').map((x) => x.trim())
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[]
    problems.push(`${key} must be a comma-separated list.`)
    return undefined
  }
  const connections = (key: string): ExtraConnection[] | undefined => {
    let v = get(key)
    if (v === undefined || v === null || v === '') return undefined
    if (typeof v === 'string') {
      try {
        v = JSON.parse(v)
      } catch {
        problems.push(`${key} must be a JSON array of connections.`)
        return undefined
      }
    }
    if (Array.isArray(v) && v.every((c) => typeof c === 'object' && c !== null))
      return v as ExtraConnection[]
    problems.push(`${key} must be an array of connection objects.`)
    return undefined
  }

  const props: WechatLoginStackProps = {
    domainName: text('domainName'),
    certificateArn: text('certificateArn'),
    natMode: text('natMode') as WechatLoginStackProps['natMode'],
    dbInstanceType: text('dbInstanceType'),
    dbAllocatedStorage: number('dbAllocatedStorage'),
    deletionProtection: flag('deletionProtection'),
    minTasks: number('minTasks'),
    maxTasks: number('maxTasks'),
    alarmEmail: text('alarmEmail'),
    extraConnections: connections('extraConnections'),
    cpuArchitecture: text('cpuArchitecture') as WechatLoginStackProps['cpuArchitecture'],
    region: text('region') ?? china(defaultRegion),
    multiAz: flag('multiAz'),
    availabilityZones: list('availabilityZones'),
    egressIpAllocationId: text('egressIpAllocationId'),
    baseImage: text('baseImage'),
    lean: flag('lean'),
    qrLoginPage: text('qrLoginPage'),
    qrLoginEnvVersion: text('qrLoginEnvVersion') as WechatLoginStackProps['qrLoginEnvVersion'],
    webOrigins: list('webOrigins'),
    webhooksSecretArn: text('webhooksSecretArn'),
  }
  if (problems.length) throw new StackConfigError('CDK context', problems)
  return props
}
