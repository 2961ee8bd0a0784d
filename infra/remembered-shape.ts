// The shape an operator passed once with `-c` is remembered in cdk.context.json (the file CDK keeps for
// context), per stack name and Region, so a later `cdk deploy` without those flags keeps the same domain,
// issuer and sizes instead of silently falling back to the defaults.

/** Context keys that describe the shape; each maps to a prop of WechatLoginStackProps. */
export const SHAPE_KEYS = [
  'domainName',
  'certificateArn',
  'natMode',
  'dbInstanceType',
  'dbAllocatedStorage',
  'deletionProtection',
  'multiAz',
  'minTasks',
  'maxTasks',
  'alarmEmail',
  'extraConnections',
  'cpuArchitecture',
  'availabilityZones',
  'egressIpAllocationId',
  'baseImage',
  'lean',
  'qrLoginPage',
  'qrLoginEnvVersion',
  'webOrigins',
  'webhooksSecretArn',
] as const

/** The cdk.context.json key holding one deployment's remembered shape. */
export const memoryKey = (stackName: string, region: string | undefined): string =>
  `wechat-login-stack:${stackName}:${region ?? 'default-region'}`

export interface Remembered {
  /** The shape to build: what was given now, else what was remembered. */
  readonly shape: Record<string, unknown>
  /** The memory to keep; equal to the old one when nothing changed. */
  readonly memory: Record<string, unknown>
  /** Keys whose remembered value changed (set, replaced or forgotten). */
  readonly changed: string[]
}

/** What is given wins and is remembered; an empty value (`-c domainName=`) forgets the key. */
export function rememberShape(
  given: Record<string, unknown>,
  remembered: Record<string, unknown> = {},
): Remembered {
  const memory: Record<string, unknown> = { ...remembered }
  const changed: string[] = []
  for (const [key, value] of Object.entries(given)) {
    if (value === '' || value === null) {
      if (key in memory) changed.push(key)
      delete memory[key]
    } else if (JSON.stringify(memory[key]) !== JSON.stringify(value)) {
      memory[key] = value
      changed.push(key)
    }
  }
  return { shape: memory, memory, changed }
}
