// Reads the stack's typed props from CDK context (`cdk.json` or `-c key=value`); values given on the command
// line arrive as strings, so numbers, booleans and JSON are parsed here, naming the key that is wrong.
import type { ExtraConnection } from './service-secrets'
import { StackConfigError, type WechatLoginStackProps } from './stack-props'

type Lookup = (key: string) => unknown

export function propsFromContext(get: Lookup): WechatLoginStackProps {
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
  }
  if (problems.length) throw new StackConfigError('CDK context', problems)
  return props
}
