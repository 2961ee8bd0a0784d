// The one stack: deploy-time parameters for what must stay out of the repository, typed props for the
// shape, and the outputs an operator pastes into the WeChat console.
import { fileURLToPath } from 'node:url'
import { CfnOutput, CfnRule, Fn, Lazy, SecretValue, Stack } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as ecs from 'aws-cdk-lib/aws-ecs'
import type { Construct } from 'constructs'
import { Alarms } from './alarms'
import { AuthService } from './auth-service'
import { Database } from './database'
import { Edge } from './edge'
import { Network } from './network'
import { deployParameters } from './parameters'
import { ServiceSecrets } from './service-secrets'
import { type WechatLoginStackProps, validateStackProps } from './stack-props'
import { StaticHost } from './static-host'

export type { WechatLoginStackProps } from './stack-props'

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url))

export class WechatLoginStack extends Stack {
  constructor(scope: Construct, id: string, props: WechatLoginStackProps = {}) {
    validateStackProps(props)
    super(scope, id, {
      description: 'Self-hosted WeChat Mini Program login (wechat-login-stack)',
      ...props,
    })
    const p = deployParameters(this)
    const minTasks = props.minTasks ?? 1

    const network = new Network(this, 'Network', { natMode: props.natMode })
    const database = new Database(this, 'Database', {
      vpc: network.vpc,
      instanceType: props.dbInstanceType
        ? new ec2.InstanceType(props.dbInstanceType.replace(/^db\./, ''))
        : undefined,
      allocatedStorageGiB: props.dbAllocatedStorage,
      deletionProtection: props.deletionProtection,
    })
    const secrets = new ServiceSecrets(this, 'Secrets', {
      wechatAppId: p.appId.valueAsString,
      wechatAppSecret: SecretValue.cfnParameter(p.appSecret),
      extraConnections: props.extraConnections,
    })
    // The distribution fronts the service's load balancer, so its address is only known after both exist.
    const service = new AuthService(this, 'Auth', {
      vpc: network.vpc,
      database,
      secrets,
      publicUrl: Lazy.string({ produce: (): string => edge.url }),
      wechatConnectionId: p.connectionId.valueAsString,
      wechatLoginOnly: p.loginOnly.valueAsString,
      buildContext: repositoryRoot,
      cpuArchitecture:
        props.cpuArchitecture === 'x86_64' ? ecs.CpuArchitecture.X86_64 : ecs.CpuArchitecture.ARM64,
      minTasks,
      maxTasks: props.maxTasks ?? Math.max(4, minTasks),
      // The edge opens the load balancer to CloudFront alone, which sets this header itself.
      trustCloudFrontViewerAddress: true,
    })
    const edge = new Edge(this, 'Edge', {
      loadBalancer: service.loadBalancer,
      domainName: props.domainName,
      certificateArn: props.certificateArn,
    })
    new StaticHost(this, 'Static', {
      distribution: edge.distribution,
      siteDirectory: `${repositoryRoot}site`,
      verificationFileName: p.verificationName.valueAsString,
      verificationFileContent: p.verificationContent.valueAsString,
    })
    new Alarms(this, 'Alarms', {
      loadBalancer: service.loadBalancer,
      targetGroup: service.targetGroup,
      database: database.instance,
      databaseStorageGiB: database.allocatedStorageGiB,
      alarmEmail: props.alarmEmail,
    })

    // The service refuses two connections with one id; say so at deploy time instead.
    for (const extra of props.extraConnections ?? [])
      new CfnRule(this, `ConnectionIdDiffers-${extra.id}`, {
        assertions: [
          {
            assert: Fn.conditionNot(Fn.conditionEquals(p.connectionId.valueAsString, extra.id)),
            assertDescription: `WechatConnectionId must differ from the extra connection "${extra.id}".`,
          },
        ],
      })

    const output = (name: string, value: string, description: string) =>
      new CfnOutput(this, name, { value, description })
    output(
      'AuthenticationAddress',
      edge.url,
      'The authentication address: PUBLIC_URL and JWT issuer',
    )
    output(
      'WechatRequestDomain',
      edge.url,
      'WeChat console: 开发管理 → 开发设置 → 服务器域名 → request合法域名',
    )
    output(
      'DistributionDomainName',
      edge.distribution.distributionDomainName,
      'Where a custom domain’s CNAME points',
    )
    output('WechatBusinessDomain', edge.host, 'WeChat console: 开发管理 → 开发设置 → 业务域名')
    output(
      'VerificationFileUrl',
      `${edge.url}/${p.verificationName.valueAsString}`,
      'Must return the verification content',
    )
    output(
      'EgressIp',
      Fn.join(',', network.egressIps),
      'WeChat console: 开发管理 → 开发设置 → 开发者ID → IP白名单 (API IP whitelist)',
    )
    output('JwksUrl', `${edge.url}/.well-known/jwks.json`, 'Public keys to verify access tokens')
    output(
      'AdminApiKeySecretArn',
      secrets.adminApiKey.secretArn,
      'Secret holding the admin API bearer key',
    )
    output('ClusterName', service.cluster.clusterName, 'ECS cluster of the auth service')
    output(
      'ServiceName',
      service.service.serviceName,
      'ECS service (force a new deployment after secret changes)',
    )
  }
}
