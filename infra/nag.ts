// Acknowledgements for the Lambda functions aws-cdk-lib adds at stack level behind custom resources
// (AwsCustomResource, BucketDeployment); our constructs call this right after they create the resource
// that brings one in, so the reason sits next to its cause.
import { Stack, Validations } from 'aws-cdk-lib'
import type { Acknowledgment } from 'aws-cdk-lib'
import type { IConstruct } from 'constructs'

const basicExecution: Acknowledgment = {
  id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  reason:
    'aws-cdk-lib’s provider function only writes its own logs, which is all the basic execution policy allows.',
}
const pinnedRuntime: Acknowledgment = {
  id: 'AwsSolutions-L1',
  reason: 'aws-cdk-lib pins the provider function’s runtime and moves it forward with the library.',
}

/** Construct ids aws-cdk-lib gives its stack-level provider functions, and what cdk-nag finds on each. */
const PROVIDERS: [RegExp, Acknowledgment[]][] = [
  [/^AWS679f53fac002430cb0da5b7982bd2287$/, [basicExecution]], // AwsCustomResource
  [/^Custom::CDKBucketDeployment[0-9A-F]+$/i, [basicExecution, pinnedRuntime]], // BucketDeployment
]

const done = new WeakSet<IConstruct>()

export function acknowledgeCustomResourceProvider(scope: IConstruct): void {
  for (const child of Stack.of(scope).node.children) {
    const acks = PROVIDERS.find(([re]) => re.test(child.node.id))?.[1]
    if (!acks || done.has(child)) continue
    done.add(child)
    Validations.of(child).acknowledge(...acks)
  }
}
