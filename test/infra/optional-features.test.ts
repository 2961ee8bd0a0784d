// Contracts of a deployment with every option turned on: NAT instance on a reused Elastic IP, custom domain,
// x86 tasks on a mirrored base image, chosen zones, extra connections, task counts, a Multi-AZ database,
// alarm mail, no deletion protection, QR login, pushes for the extra connection and webhooks.
import { Match } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../service/config'
import { describeNagChecks } from './nag-checks'
import { resourcesOf, synthesize, US_EAST_1_CERTIFICATE } from './synth'

const shop = {
  id: 'shop',
  appId: 'wx0123456789abcdef',
  appSecretArn: 'arn:aws:secretsmanager:ap-east-1:123456789012:secret:shop-wechat-AbCdEf',
  appSecretJsonField: 'appSecret',
  pushTokenJsonField: 'pushToken',
  encodingAesKeyJsonField: 'encodingAesKey',
}
const WEBHOOKS_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:login-webhooks-AbCdEf'
const { stack, template, dockerImages } = synthesize({
  natMode: 'instance',
  domainName: 'login.example.com',
  certificateArn: US_EAST_1_CERTIFICATE,
  cpuArchitecture: 'x86_64',
  extraConnections: [shop],
  minTasks: 2,
  maxTasks: 6,
  alarmEmail: 'ops@example.com',
  deletionProtection: false,
  dbInstanceType: 'db.t4g.small',
  dbAllocatedStorage: 50,
  multiAz: true,
  availabilityZones: ['us-east-1a', 'us-east-1c'],
  egressIpAllocationId: 'eipalloc-0123456789abcdef0',
  baseImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/node:22-bookworm-slim',
  qrLoginPage: 'pages/qr-login/index',
  qrLoginEnvVersion: 'trial',
  webOrigins: ['https://admin.example.com', 'https://ops.example.com'],
  webhooksSecretArn: WEBHOOKS_SECRET,
})
const container = (
  Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition'))[0]!.Properties
    .ContainerDefinitions as {
    Environment: { Name: string; Value: unknown }[]
    Secrets: { Name: string; ValueFrom: unknown }[]
  }[]
)[0]!
const environment = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]))

describe('NAT instance', () => {
  it('leaves from the reused Elastic IP, read back when deploying for the EgressIp output', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0)
    template.resourceCountIs('AWS::EC2::EIP', 0)
    const [instanceId] = Object.keys(resourcesOf(template, 'AWS::EC2::Instance'))
    template.hasResourceProperties('AWS::EC2::EIPAssociation', {
      AllocationId: 'eipalloc-0123456789abcdef0',
      InstanceId: { Ref: instanceId },
    })
    const lookup = Object.entries(resourcesOf(template, 'Custom::AWS')).find(([, r]) =>
      JSON.stringify(r.Properties.Create).includes('describeAddresses'),
    )!
    template.hasOutput('EgressIp', {
      Value: { 'Fn::GetAtt': [lookup[0], 'Addresses.0.PublicIp'] },
    })
  })

  it('is a t4g.nano with an encrypted disk that forwards only the VPC’s traffic', () => {
    template.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't4g.nano',
      SourceDestCheck: false,
      BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })],
    })
    const natGroup = Object.entries(resourcesOf(template, 'AWS::EC2::SecurityGroup')).find(([id]) =>
      id.includes('NatSecurityGroup'),
    )![1]
    expect(natGroup.Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({ CidrIp: '10.0.0.0/16', IpProtocol: '-1' }),
    ])
  })
})

describe('custom domain', () => {
  it('serves the certificate from us-east-1 with TLS 1.2 at least', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['login.example.com'],
        ViewerCertificate: {
          AcmCertificateArn: US_EAST_1_CERTIFICATE,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      }),
    })
  })

  it('becomes the authentication address and the issuer the service uses', () => {
    template.hasOutput('AuthenticationAddress', { Value: 'https://login.example.com' })
    template.hasOutput('WechatBusinessDomain', { Value: 'login.example.com' })
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: 'PUBLIC_URL', Value: 'https://login.example.com' },
          ]),
        }),
      ],
    })
  })
})

describe('x86 tasks', () => {
  it('build the image for the CPU architecture the task runs on, from the given base image', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    })
    expect(dockerImages).toEqual([
      expect.objectContaining({
        platform: 'linux/amd64',
        dockerBuildArgs: {
          BASE_IMAGE: '123456789012.dkr.ecr.us-east-1.amazonaws.com/node:22-bookworm-slim',
        },
      }),
    ])
  })
})

describe('zones', () => {
  it('are the ones given', () => {
    const zones = Object.values(resourcesOf(template, 'AWS::EC2::Subnet')).map(
      (s) => s.Properties.AvailabilityZone,
    )
    expect(new Set(zones)).toEqual(new Set(['us-east-1a', 'us-east-1c']))
  })
})

describe('extra connections', () => {
  it('reach the task as one WECHAT_CONNECTIONS secret', () => {
    expect(container.Secrets.map((s) => s.Name)).toContain('WECHAT_CONNECTIONS')
    expect(container.Environment.map((e) => e.Name)).not.toContain('WECHAT_CONNECTIONS')
  })

  it('copy each AppSecret from its own secret by dynamic reference, never in clear', () => {
    const connections = Object.values(resourcesOf(template, 'AWS::SecretsManager::Secret')).find(
      (r) => String(r.Properties.Description).startsWith('WECHAT_CONNECTIONS'),
    )!
    expect(JSON.parse(connections.Properties.SecretString as string)).toEqual([
      {
        id: 'shop',
        displayName: 'shop',
        appId: 'wx0123456789abcdef',
        appSecret: `{{resolve:secretsmanager:${shop.appSecretArn}:SecretString:appSecret::}}`,
        loginOnly: false,
        pushToken: `{{resolve:secretsmanager:${shop.appSecretArn}:SecretString:pushToken::}}`,
        encodingAesKey: `{{resolve:secretsmanager:${shop.appSecretArn}:SecretString:encodingAesKey::}}`,
      },
    ])
  })

  it('are read by the service with their push keys once CloudFormation resolved them', () => {
    const connections = Object.values(resourcesOf(template, 'AWS::SecretsManager::Secret')).find(
      (r) => String(r.Properties.Description).startsWith('WECHAT_CONNECTIONS'),
    )!
    const resolved = (connections.Properties.SecretString as string)
      .replace(/\{\{resolve:[^}]*:appSecret::\}\}/, '0'.repeat(32))
      .replace(/\{\{resolve:[^}]*:pushToken::\}\}/, 'shopToken1')
      .replace(/\{\{resolve:[^}]*:encodingAesKey::\}\}/, 'k'.repeat(43))
    const config = loadConfig({
      WECHAT_APP_ID: 'wx0123456789abcdee',
      WECHAT_APP_SECRET: '0'.repeat(32),
      WECHAT_CONNECTIONS: resolved,
    })
    expect(config.connections.find((c) => c.id === 'shop')).toMatchObject({
      pushToken: 'shopToken1',
      encodingAesKey: 'k'.repeat(43),
    })
  })

  it('must not reuse the main connection id, checked when deploying', () => {
    const rules = JSON.stringify(template.toJSON().Rules)
    expect(rules).toContain('{"Fn::Not":[{"Fn::Equals":[{"Ref":"WechatConnectionId"},"shop"]}]}')
  })
})

describe('webhooks', () => {
  it('reach the task as the WEBHOOKS secret, straight from the operator’s secret', () => {
    const webhooks = container.Secrets.find((s) => s.Name === 'WEBHOOKS')
    expect(webhooks?.ValueFrom).toBe(WEBHOOKS_SECRET)
    expect(container.Environment.map((e) => e.Name)).not.toContain('WEBHOOKS')
  })

  it('may be read by the execution role, which fetches secrets when a task starts', () => {
    const reads = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).filter((r) =>
      JSON.stringify(r.Properties.PolicyDocument).includes(WEBHOOKS_SECRET),
    )
    expect(reads).toHaveLength(1)
    expect(JSON.stringify(reads[0]!.Properties.Roles)).toContain('ExecutionRole')
    expect(JSON.stringify(reads[0]!.Properties.PolicyDocument)).toContain(
      'secretsmanager:GetSecretValue',
    )
  })
})

describe('sizes', () => {
  it('scale between the given task counts, leaving the running count to auto scaling', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 6,
    })
    // A deploy must not reset a scaled-out service to a fixed count.
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: Match.absent() })
  })

  it('size the database as asked, Multi-AZ, and let it be deleted, still leaving a snapshot', () => {
    template.hasResource('AWS::RDS::DBInstance', {
      DeletionPolicy: 'Snapshot',
      Properties: Match.objectLike({
        MultiAZ: true,
        DBInstanceClass: 'db.t4g.small',
        AllocatedStorage: '50',
        DeletionProtection: false,
      }),
    })
  })
})

describe('QR login', () => {
  it('reaches the task as the single-connection settings the service reads', () => {
    expect(environment).toMatchObject({
      WECHAT_QR_LOGIN_PAGE: 'pages/qr-login/index',
      WECHAT_QR_LOGIN_ENV_VERSION: 'trial',
      WECHAT_WEB_ORIGINS: 'https://admin.example.com,https://ops.example.com',
    })
  })

  it('is read by the service as given', () => {
    const qr = Object.entries(environment).filter(([name]) => /^WECHAT_(QR|WEB)_/.test(name))
    expect(qr).toHaveLength(3)
    const config = loadConfig({
      WECHAT_APP_ID: 'wx0123456789abcdee',
      WECHAT_APP_SECRET: '0'.repeat(32),
      ...(Object.fromEntries(qr) as Record<string, string>),
    })
    expect(config.connections[0]).toMatchObject({
      qrLoginPage: 'pages/qr-login/index',
      qrLoginEnvVersion: 'trial',
      webOrigins: ['https://admin.example.com', 'https://ops.example.com'],
    })
  })
})

describe('alarm mail', () => {
  it('sends every alarm and its recovery to the address', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    })
    for (const alarm of Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')))
      expect(alarm.Properties).toMatchObject({
        AlarmActions: [expect.anything()],
        OKActions: [expect.anything()],
      })
  })
})

describeNagChecks(stack)
