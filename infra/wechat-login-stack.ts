// The one stack, in two shapes: global (CloudFront in front of an internal load balancer) and China (the
// load balancer itself on the ICP-filed domain); deploy-time parameters for what must stay out of the
// repository, typed props for the shape, and the outputs an operator pastes into the WeChat console.
import { fileURLToPath } from 'node:url'
import { CfnOutput, CfnRule, Duration, Fn, Lazy, SecretValue, Stack } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as ecs from 'aws-cdk-lib/aws-ecs'
import type { Construct } from 'constructs'
import { Alarms } from './alarms'
import { AuthService } from './auth-service'
import { Database } from './database'
import { Edge } from './edge'
import { Network } from './network'
import { PublicEntry } from './public-entry'
import { deployParameters } from './parameters'
import { ServiceSecrets } from './service-secrets'
import { serviceSettings } from './service-settings'
import { isChina, taskCounts, type WechatLoginStackProps, validateStackProps } from './stack-props'
import { StaticHost } from './static-host'

export type { WechatLoginStackProps } from './stack-props'

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url))

export class WechatLoginStack extends Stack {
  constructor(scope: Construct, id: string, props: WechatLoginStackProps = {}) {
    validateStackProps(props)
    super(scope, id, {
      description: 'Self-hosted WeChat Mini Program login (wechat-login-stack)',
      ...props,
      // A literal Region makes the partition (aws-cn in China) and its ARNs known at synth.
      ...(props.region ? { env: { ...props.env, region: props.region } } : {}),
    })
    const p = deployParameters(this)
    const china = isChina(props.region)
    const lean = props.lean ?? false
    const tasks = taskCounts(props)
    const settings = serviceSettings(props)
    // Graviton is not confirmed for Fargate (nor t4g for RDS and EC2) in the China Regions, and the ECS
    // guide lists Fargate Spot (lean) for x86 only: x86 there.
    const arm = props.cpuArchitecture ? props.cpuArchitecture === 'arm64' : !china && !lean
    const small = (armClass: ec2.InstanceClass, size: ec2.InstanceSize) =>
      ec2.InstanceType.of(china ? ec2.InstanceClass.T3 : armClass, size)

    const network = new Network(this, 'Network', {
      natMode: props.natMode ?? (lean ? 'instance' : undefined),
      natInstanceType: small(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO),
      egressIpAllocationId: props.egressIpAllocationId,
      availabilityZones: props.availabilityZones ? [...props.availabilityZones] : undefined,
    })
    const database = new Database(this, 'Database', {
      vpc: network.vpc,
      instanceType: props.dbInstanceType
        ? new ec2.InstanceType(props.dbInstanceType.replace(/^db\./, ''))
        : small(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      allocatedStorageGiB: props.dbAllocatedStorage,
      deletionProtection: props.deletionProtection,
      multiAz: props.multiAz,
      serverless: lean ? {} : undefined,
    })
    const secrets = new ServiceSecrets(this, 'Secrets', {
      wechatAppId: p.appId.valueAsString,
      wechatAppSecret: SecretValue.cfnParameter(p.appSecret),
      wechatPush: {
        token: SecretValue.cfnParameter(p.pushToken),
        encodingAesKey: SecretValue.cfnParameter(p.encodingAesKey),
      },
      extraConnections: props.extraConnections,
      webhooksSecretArn: props.webhooksSecretArn,
    })
    // Globally the distribution fronts the service's load balancer, so its address is only known after both.
    let url = china ? `https://${props.domainName!}` : ''
    const service = new AuthService(this, 'Auth', {
      vpc: network.vpc,
      database,
      secrets,
      publicUrl: Lazy.string({ produce: (): string => url }),
      wechatConnectionId: p.connectionId.valueAsString,
      wechatLoginOnly: p.loginOnly.valueAsString,
      buildContext: repositoryRoot,
      buildArgs: settings.buildArgs,
      environment: settings.environment,
      cpuArchitecture: arm ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      minTasks: tasks.min,
      maxTasks: tasks.max,
      // Lean: the smallest Fargate task, on Spot, without Container Insights.
      ...(lean ? { cpu: 256, memoryLimitMiB: 512, spot: true, containerInsights: false } : {}),
      // Only the hop the stack controls: CloudFront (the load balancer accepts nothing else) or, in China,
      // the internet-facing load balancer, which appends the caller to X-Forwarded-For.
      clientAddressHeader: china ? 'x-forwarded-for' : 'cloudfront-viewer-address',
      publicCertificateArn: china ? props.certificateArn : undefined,
    })
    const output = (name: string, value: string, description: string) =>
      new CfnOutput(this, name, { value, description })
    let host: string
    if (china) {
      new PublicEntry(this, 'Entry', {
        loadBalancer: service.loadBalancer,
        listener: service.listener,
        verificationFileName: p.verificationName.valueAsString,
        verificationFileContent: p.verificationContent.valueAsString,
        siteDirectory: `${repositoryRoot}site`,
      })
      host = props.domainName!
      output(
        'LoadBalancerDnsName',
        service.loadBalancer.loadBalancerDnsName,
        'Where the ICP-filed domain’s CNAME points',
      )
    } else {
      const edge = new Edge(this, 'Edge', {
        loadBalancer: service.loadBalancer,
        // validateStackProps has made sure the two come together.
        customDomain: props.domainName
          ? { domainName: props.domainName, certificateArn: props.certificateArn! }
          : undefined,
        // Lean: room for the database to resume within DB_CONNECT_TIMEOUT.
        originReadTimeout: lean ? Duration.seconds(60) : undefined,
      })
      new StaticHost(this, 'Static', {
        distribution: edge.distribution,
        siteDirectory: `${repositoryRoot}site`,
        verificationFileName: p.verificationName.valueAsString,
        verificationFileContent: p.verificationContent.valueAsString,
      })
      url = edge.url
      host = edge.host
      output(
        'DistributionDomainName',
        edge.distribution.distributionDomainName,
        'Where a custom domain’s CNAME points',
      )
    }
    new Alarms(this, 'Alarms', {
      loadBalancer: service.loadBalancer,
      targetGroup: service.targetGroup,
      database,
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

    // The service refuses an EncodingAESKey without its Token (WeChat signs every push with the Token);
    // refuse it before the deployment rather than in a task that never starts.
    new CfnRule(this, 'PushTokenWithAesKey', {
      assertions: [
        {
          assert: Fn.conditionOr(
            Fn.conditionEquals(p.encodingAesKey.valueAsString, ''),
            Fn.conditionNot(Fn.conditionEquals(p.pushToken.valueAsString, '')),
          ),
          assertDescription:
            'WechatEncodingAesKey needs WechatPushToken: WeChat signs every push with the Token.',
        },
      ],
    })

    output('AuthenticationAddress', url, 'The authentication address: PUBLIC_URL and JWT issuer')
    output(
      'WechatRequestDomain',
      url,
      'WeChat console: 开发管理 → 开发设置 → 服务器域名 → request合法域名',
    )
    output('WechatBusinessDomain', host, 'WeChat console: 开发管理 → 开发设置 → 业务域名')
    output(
      'VerificationFileUrl',
      `${url}/${p.verificationName.valueAsString}`,
      'Must return the verification content',
    )
    output(
      'EgressIp',
      Fn.join(',', network.egressIps),
      'WeChat console: 开发管理 → 开发设置 → 开发者ID → IP白名单 (API IP whitelist)',
    )
    output(
      'WechatPushUrl',
      `${url}/v1/connections/${p.connectionId.valueAsString}/wechat/events`,
      'WeChat console: 开发管理 → 开发设置 → 消息推送 → URL (with WechatPushToken set)',
    )
    output('JwksUrl', `${url}/.well-known/jwks.json`, 'Public keys to verify access tokens')
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
