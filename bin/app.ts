// CDK app entry: typed props from context (remembered per stack and Region in cdk.context.json), one stack
// (environment-agnostic unless a Region is pinned; synth needs no AWS account), and the AwsSolutions checks,
// so an unacknowledged finding fails `cdk synth`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { App, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { propsFromContext } from '../infra/context'
import { memoryKey, rememberShape, SHAPE_KEYS } from '../infra/remembered-shape'
import { StackConfigError } from '../infra/stack-props'
import { WechatLoginStack } from '../infra/wechat-login-stack'

const CONTEXT_FILE = 'cdk.context.json'
const projectDefaults = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context?: object })
  .context as Record<string, unknown>

const app = new App()
const get = (key: string): unknown => app.node.tryGetContext(key)
const stackName = (get('stackName') as string | undefined) ?? 'WechatLoginStack'
try {
  const region = (get('region') as string | undefined) || process.env.CDK_DEFAULT_REGION
  const key = memoryKey(stackName, region)
  // Given now: a value that differs from cdk.json's, i.e. from `-c` (cdk.json's own are never remembered).
  const given = Object.fromEntries(
    SHAPE_KEYS.filter((k) => get(k) !== undefined && get(k) !== projectDefaults[k]).map((k) => [
      k,
      get(k),
    ]),
  )
  const remembered = rememberShape(given, get(key) as Record<string, unknown> | undefined)
  const props = propsFromContext(
    (k) =>
      (SHAPE_KEYS as readonly string[]).includes(k)
        ? (remembered.shape[k] ?? projectDefaults[k])
        : get(k),
    process.env.CDK_DEFAULT_REGION,
  )
  new WechatLoginStack(app, stackName, props)
  if (remembered.changed.length) {
    const file = existsSync(CONTEXT_FILE)
      ? (JSON.parse(readFileSync(CONTEXT_FILE, 'utf8')) as Record<string, unknown>)
      : {}
    writeFileSync(
      CONTEXT_FILE,
      `${JSON.stringify({ ...file, [key]: remembered.memory }, null, 2)}\n`,
    )
    console.error(
      `Remembered ${remembered.changed.join(', ')} for ${key} in ${CONTEXT_FILE}: later deploys keep them without -c (commit the file; -c ${remembered.changed[0]}= forgets).`,
    )
  }
} catch (error) {
  if (!(error instanceof StackConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
app.synth()
