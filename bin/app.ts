// CDK app entry: typed props from context, one environment-agnostic stack (synth needs no AWS account),
// and the AwsSolutions checks, so an unacknowledged finding fails `cdk synth`.
import { App, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { propsFromContext } from '../infra/context'
import { StackConfigError } from '../infra/stack-props'
import { WechatLoginStack } from '../infra/wechat-login-stack'

const app = new App()
try {
  const props = propsFromContext((key) => app.node.tryGetContext(key))
  new WechatLoginStack(app, app.node.tryGetContext('stackName') ?? 'WechatLoginStack', props)
} catch (error) {
  if (!(error instanceof StackConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
app.synth()
