// Contracts of the default deployment (no context): what reaches the database, how credentials reach
// the task, who may reach the load balancer, what the edge serves, and what the operator gets back.
import { Match } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../service/config'
import { describeNagChecks } from './nag-checks'
import { getAttId, refersTo, type Resource, resourcesOf, synthesize } from './synth'

const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad'
// AllViewerAndCloudFrontHeaders-2022-06: every viewer header plus CloudFront-Viewer-Address.
const ALL_VIEWER_AND_CLOUDFRONT = '33f36d7e-f396-46d9-90e0-52428a34d9dc'

const { stack, template, dockerImages } = synthesize()
const json = template.toJSON() as {
  Resources: Record<string, Resource>
  Parameters: Record<
    string,
    { NoEcho?: boolean; AllowedPattern?: string; Default?: string; AllowedValues?: string[] }
  >
  Outputs: Record<string, { Value: unknown }>
}
const only = (type: string) => Object.entries(resourcesOf(template, type))[0]!
const ingressInto = (groupId: string) =>
  Object.values(resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')).filter((r) =>
    JSON.stringify(r.Properties.GroupId).includes(groupId),
  )

interface Container {
  Environment: { Name: string; Value: unknown }[]
  Secrets: { Name: string; ValueFrom: unknown }[]
  PortMappings: { ContainerPort: number }[]
  Command: string[]
}
const [, taskDefinition] = only('AWS::ECS::TaskDefinition')
const container = (taskDefinition.Properties.ContainerDefinitions as Container[])[0]!
const environment = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]))
const secrets = Object.fromEntries(container.Secrets.map((s) => [s.Name, s.ValueFrom]))
const [, service] = only('AWS::ECS::Service')
const serviceGroupId = getAttId(
  (
    service.Properties.NetworkConfiguration as {
      AwsvpcConfiguration: { SecurityGroups: unknown[] }
    }
  ).AwsvpcConfiguration.SecurityGroups[0],
)

describe('database', () => {
  const [, db] = only('AWS::RDS::DBInstance')
  const dbGroupId = getAttId((db.Properties.VPCSecurityGroups as unknown[])[0])

  it('accepts connections only from the service security group', () => {
    expect(json.Resources[dbGroupId]!.Properties.SecurityGroupIngress).toBeUndefined()
    const ingress = ingressInto(dbGroupId)
    expect(ingress).toHaveLength(1)
    expect(ingress[0]!.Properties).toMatchObject({
      IpProtocol: 'tcp',
      SourceSecurityGroupId: { 'Fn::GetAtt': [serviceGroupId, 'GroupId'] },
    })
    expect(ingress[0]!.Properties.CidrIp).toBeUndefined()
  })

  it('lives in the isolated subnets and is not publicly accessible', () => {
    expect(db.Properties.PubliclyAccessible ?? false).toBe(false)
    const [, subnetGroup] = only('AWS::RDS::DBSubnetGroup')
    const ids = JSON.stringify(subnetGroup.Properties.SubnetIds)
    expect(ids).toMatch(/isolated/i)
    expect(ids).not.toMatch(/private|public/i)
  })

  it('is PostgreSQL 17 on encrypted gp3, backed up for 7 days, protected, and snapshotted on removal', () => {
    expect(db.Properties).toMatchObject({
      Engine: 'postgres',
      EngineVersion: expect.stringMatching(/^17/),
      DBInstanceClass: 'db.t4g.micro',
      StorageType: 'gp3',
      StorageEncrypted: true,
      BackupRetentionPeriod: 7,
      DeletionProtection: true,
    })
    template.hasResource('AWS::RDS::DBInstance', {
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    })
  })

  it('keeps its credentials in a generated Secrets Manager secret', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        GenerateStringKey: 'password',
        SecretStringTemplate: Match.stringLikeRegexp('"username"'),
      }),
    })
  })
})

describe('network', () => {
  it('spans two AZs with public, private-with-egress and isolated subnets', () => {
    const subnets = Object.keys(resourcesOf(template, 'AWS::EC2::Subnet'))
    for (const kind of ['public', 'private', 'isolated'])
      expect(subnets.filter((id) => id.toLowerCase().includes(`${kind}subnet`))).toHaveLength(2)
  })

  it('logs rejected traffic', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' })
  })

  it('leaves through one NAT gateway on an Elastic IP that is output for the whitelist', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1)
    const [eipId] = only('AWS::EC2::EIP')
    // The whitelisted address outlives a failed update, a replacement and the stack itself.
    template.hasResource('AWS::EC2::EIP', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    })
    template.hasResourceProperties('AWS::EC2::NatGateway', {
      AllocationId: { 'Fn::GetAtt': [eipId, 'AllocationId'] },
    })
    template.hasOutput('EgressIp', { Value: { Ref: eipId } })
  })
})

describe('auth service task', () => {
  it('receives every credential as an ECS secret and none as a plain environment value', () => {
    const credentials = [
      'ADMIN_API_KEY',
      'DB_PASSWORD',
      'DB_USER',
      'MASTER_KEY',
      'WECHAT_APP_ID',
      'WECHAT_APP_SECRET',
      'WECHAT_ENCODING_AES_KEY',
      'WECHAT_PUSH_TOKEN',
    ]
    expect(Object.keys(secrets).sort()).toEqual(credentials)
    expect(Object.keys(environment).sort()).toEqual([
      'CLIENT_ADDRESS_HEADER',
      'DB_HOST',
      'DB_NAME',
      'DB_PORT',
      'NODE_ENV',
      'PORT',
      'PUBLIC_URL',
      'WECHAT_CONNECTION',
      'WECHAT_LOGIN_ONLY',
    ])
    expect(environment).toMatchObject({
      NODE_ENV: 'production',
      PORT: '3000',
      CLIENT_ADDRESS_HEADER: 'cloudfront-viewer-address',
      WECHAT_CONNECTION: { Ref: 'WechatConnectionId' },
      WECHAT_LOGIN_ONLY: { Ref: 'LoginOnlyMode' },
    })
  })

  it('gets the AppSecret only as a Secrets Manager reference: never in the environment, never an output', () => {
    const users = Object.entries(json.Resources).filter(([, r]) => refersTo(r, 'WechatAppSecret'))
    expect(users.map(([, r]) => r.Type)).toEqual(['AWS::SecretsManager::Secret'])
    const [wechatSecretId] = users[0]!
    expect(refersTo(container.Environment, 'WechatAppSecret')).toBe(false)
    expect(refersTo(json.Outputs, 'WechatAppSecret')).toBe(false)
    expect(refersTo(json.Outputs, wechatSecretId)).toBe(false)
    expect(secrets.WECHAT_APP_SECRET).toEqual({
      'Fn::Join': ['', [{ Ref: wechatSecretId }, ':appSecret::']],
    })
  })

  it('gets the push keys from the same secret, the NoEcho parameters copied there and nowhere else', () => {
    for (const parameter of ['WechatPushToken', 'WechatEncodingAesKey']) {
      const users = Object.entries(json.Resources).filter(([, r]) => refersTo(r, parameter))
      expect(users.map(([, r]) => r.Type)).toEqual(['AWS::SecretsManager::Secret'])
      expect(refersTo(container.Environment, parameter)).toBe(false)
      expect(refersTo(json.Outputs, parameter)).toBe(false)
    }
    const [wechatSecretId] = Object.entries(json.Resources).find(([, r]) =>
      refersTo(r, 'WechatAppSecret'),
    )!
    const wechatSecret = json.Resources[wechatSecretId]!.Properties
    expect(JSON.stringify(wechatSecret.SecretString)).toMatch(/pushToken.*WechatPushToken/)
    expect(JSON.stringify(wechatSecret.SecretString)).toMatch(
      /encodingAesKey.*WechatEncodingAesKey/,
    )
    expect(secrets.WECHAT_PUSH_TOKEN).toEqual({
      'Fn::Join': ['', [{ Ref: wechatSecretId }, ':pushToken::']],
    })
    expect(secrets.WECHAT_ENCODING_AES_KEY).toEqual({
      'Fn::Join': ['', [{ Ref: wechatSecretId }, ':encodingAesKey::']],
    })
  })

  it('gets no WEBHOOKS without webhooksSecretArn', () => {
    expect(secrets.WEBHOOKS).toBeUndefined()
  })

  it('builds its database connection from parts, user and password from the RDS secret', () => {
    expect(environment.DB_HOST).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Endpoint.Address'] })
    expect(JSON.stringify(secrets.DB_PASSWORD)).toContain(':password::')
    expect(JSON.stringify(secrets.DB_USER)).toContain(':username::')
  })

  it('gets a generated master key of 64 hex characters and an admin key without punctuation', () => {
    const generators = Object.values(resourcesOf(template, 'AWS::SecretsManager::Secret')).map(
      (s) => s.Properties.GenerateSecretString as Record<string, unknown> | undefined,
    )
    expect(generators).toContainEqual({
      PasswordLength: 64,
      ExcludeUppercase: true,
      ExcludePunctuation: true,
      ExcludeCharacters: 'ghijklmnopqrstuvwxyz',
      IncludeSpace: false,
      RequireEachIncludedType: false,
    })
    expect(generators).toContainEqual(
      expect.objectContaining({ PasswordLength: 48, ExcludePunctuation: true }),
    )
  })

  it('runs node dist/service/main.js on port 3000 and logs to CloudWatch with a retention', () => {
    expect(container.Command).toEqual(['node', 'dist/service/main.js'])
    expect(container.PortMappings).toEqual([expect.objectContaining({ ContainerPort: 3000 })])
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 })
  })

  it('is built for the CPU architecture the task runs on (ARM64)', () => {
    expect(taskDefinition.Properties.RuntimePlatform).toEqual({
      CpuArchitecture: 'ARM64',
      OperatingSystemFamily: 'LINUX',
    })
    expect(dockerImages).toEqual([
      expect.objectContaining({ platform: 'linux/arm64', dockerFile: 'service/Dockerfile' }),
    ])
  })
})

describe('auth service', () => {
  it('rolls a failed deployment back and runs in the private subnets without public IPs', () => {
    expect(service.Properties).toMatchObject({
      LaunchType: 'FARGATE',
      DeploymentConfiguration: { DeploymentCircuitBreaker: { Enable: true, Rollback: true } },
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
    })
    const subnets = JSON.stringify(service.Properties.NetworkConfiguration)
    expect(subnets).toMatch(/privateSubnet/)
    expect(subnets).not.toMatch(/publicSubnet|isolatedSubnet/)
  })

  it('scales from 1 to 4 tasks on CPU and on requests per task', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 4,
      ScalableDimension: 'ecs:service:DesiredCount',
    })
    const metrics = Object.values(
      resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'),
    ).map((p) => JSON.stringify(p.Properties).match(/"PredefinedMetricType":"(\w+)"/)?.[1])
    expect(metrics.sort()).toEqual(['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization'])
    // docs/capacity.md: what a 0.5-vCPU task serves at the CPU policy's 60 %, so neither policy runs ahead.
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 24000 }),
    })
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 60 }),
    })
  })

  it('is health-checked on /healthz, so a database blip does not replace every task', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/healthz',
      Port: 3000,
      TargetType: 'ip',
    })
  })
})

describe('load balancer', () => {
  const [albId, alb] = only('AWS::ElasticLoadBalancingV2::LoadBalancer')

  it('is internal', () => {
    expect(alb.Properties.Scheme).toBe('internal')
  })

  it('is reachable only from CloudFront: its origin-facing prefix list and its VPC origins group', () => {
    const albGroupId = getAttId((alb.Properties.SecurityGroups as unknown[])[0])
    expect(json.Resources[albGroupId]!.Properties.SecurityGroupIngress).toBeUndefined()
    const ingress = ingressInto(albGroupId).map((r) => r.Properties)
    expect(ingress).toHaveLength(2)
    for (const rule of ingress) {
      expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80 })
      expect(rule.CidrIp).toBeUndefined()
    }
    const lookup = (field: string) => {
      const id = getAttId(ingress.find((r) => r[field])![field])
      expect(json.Resources[id]!.Type).toBe('Custom::AWS')
      return { id, create: json.Resources[id]!.Properties.Create }
    }
    expect(JSON.parse(lookup('SourcePrefixListId').create as string).parameters.Filters).toEqual([
      { Name: 'prefix-list-name', Values: ['com.amazonaws.global.cloudfront.origin-facing'] },
    ])
    const group = lookup('SourceSecurityGroupId')
    const call = JSON.stringify(group.create)
    expect(call).toContain('describeSecurityGroups')
    expect(call).toContain(
      '\\"Filters\\":[{\\"Name\\":\\"group-name\\",\\"Values\\":[\\"CloudFront-VPCOrigins-Service-SG\\"]},{\\"Name\\":\\"vpc-id\\",\\"Values\\":[\\"",{"Ref":"NetworkVpc',
    )
    // CloudFront creates the group with the VPC origin: the lookup waits for it.
    const [vpcOriginId] = only('AWS::CloudFront::VpcOrigin')
    const dependsOn = (json.Resources[group.id] as { DependsOn?: string[] }).DependsOn
    expect(dependsOn).toContain(vpcOriginId)
  })

  it('is the VPC origin of the distribution', () => {
    template.hasResourceProperties('AWS::CloudFront::VpcOrigin', {
      VpcOriginEndpointConfig: Match.objectLike({ Arn: { Ref: albId } }),
    })
  })

  it('names the VPC origin and the OAC after the stack and the Region, so one stack name deploys in two Regions', () => {
    const regional = (what: string) => ({
      'Fn::Join': ['-', ['WechatLoginStack', { Ref: 'AWS::Region' }, what]],
    })
    template.hasResourceProperties('AWS::CloudFront::VpcOrigin', {
      VpcOriginEndpointConfig: Match.objectLike({ Name: regional('api') }),
    })
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ Name: regional('static') }),
    })
  })
})

describe('distribution', () => {
  interface Behavior {
    PathPattern?: string
    TargetOriginId: string
    CachePolicyId: string
    AllowedMethods: string[]
  }
  const config = only('AWS::CloudFront::Distribution')[1].Properties.DistributionConfig as {
    DefaultCacheBehavior: Behavior
    CacheBehaviors: Behavior[]
    Origins: {
      Id: string
      DomainName: unknown
      OriginAccessControlId?: unknown
      VpcOriginConfig?: unknown
    }[]
  }
  const origin = (id: string) => config.Origins.find((o) => o.Id === id)!
  const [bucketId] = only('AWS::S3::Bucket')
  const bucketDomain = { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] }

  it('sends the API to the VPC origin uncached, HTTPS only, with all methods and viewer headers', () => {
    const api = config.DefaultCacheBehavior
    expect(origin(api.TargetOriginId).VpcOriginConfig).toBeDefined()
    expect(api).toMatchObject({
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_AND_CLOUDFRONT,
      ViewerProtocolPolicy: 'https-only',
    })
    expect(api.AllowedMethods.sort()).toEqual([
      'DELETE',
      'GET',
      'HEAD',
      'OPTIONS',
      'PATCH',
      'POST',
      'PUT',
    ])
  })

  it('serves the verification file path from the static host, uncached', () => {
    const txt = config.CacheBehaviors.find((b) => b.PathPattern === '/*.txt')!
    expect(txt.CachePolicyId).toBe(CACHING_DISABLED)
    expect(origin(txt.TargetOriginId).DomainName).toEqual(bucketDomain)
    expect(origin(txt.TargetOriginId).OriginAccessControlId).toBeDefined()
  })

  it('serves the site folder under /site/ from the same bucket', () => {
    const site = config.CacheBehaviors.find((b) => b.PathPattern === '/site/*')!
    expect(origin(site.TargetOriginId).DomainName).toEqual(bucketDomain)
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'site/',
    })
  })
})

describe('static host', () => {
  it('is a private, encrypted bucket that only CloudFront reads, over TLS', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }),
        ],
      },
    })
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({ Principal: { Service: 'cloudfront.amazonaws.com' } }),
        ]),
      }),
    })
  })

  it('writes the verification file at the bucket root with the exact content as text/plain', () => {
    const writers = Object.values(resourcesOf(template, 'Custom::AWS')).filter((r) =>
      JSON.stringify(r.Properties.Create).includes('putObject'),
    )
    expect(writers).toHaveLength(1)
    const create = JSON.stringify(writers[0]!.Properties.Create)
    expect(create).toContain('\\"Key\\":\\"",{"Ref":"VerificationFileName"}')
    expect(create).toContain('\\"Body\\":\\"",{"Ref":"VerificationFileContent"}')
    expect(create).toContain('\\"ContentType\\":\\"text/plain\\"')
  })

  it('only accepts verification file names that the /*.txt path reaches', () => {
    const name = json.Parameters.VerificationFileName!
    const pattern = new RegExp(name.AllowedPattern!)
    expect(pattern.test('87PweoaRBw.txt')).toBe(true)
    expect(pattern.test('MP_verify_Ab-c_12.txt')).toBe(true)
    for (const bad of ['a/b.txt', 'x.html', '../x.txt']) expect(pattern.test(bad)).toBe(false)
    expect(pattern.test(name.Default!)).toBe(true)
  })
})

describe('parameters', () => {
  const accepts = (name: string, value: string) =>
    new RegExp(json.Parameters[name]!.AllowedPattern!).test(value)

  it('hide the AppSecret and the push keys (NoEcho), the only secret parameters', () => {
    const noEcho = Object.entries(json.Parameters).filter(([, p]) => p.NoEcho)
    expect(noEcho.map(([name]) => name).sort()).toEqual([
      'WechatAppSecret',
      'WechatEncodingAesKey',
      'WechatPushToken',
    ])
  })

  it('leave pushes off by default and accept only what the WeChat console gives', () => {
    expect(json.Parameters.WechatPushToken!.Default).toBe('')
    expect(json.Parameters.WechatEncodingAesKey!.Default).toBe('')
    expect(accepts('WechatPushToken', '')).toBe(true)
    expect(accepts('WechatPushToken', 'abc')).toBe(true)
    expect(accepts('WechatPushToken', 'A1'.repeat(16))).toBe(true)
    expect(accepts('WechatPushToken', 'ab')).toBe(false)
    expect(accepts('WechatPushToken', 'a'.repeat(33))).toBe(false)
    expect(accepts('WechatPushToken', 'has space')).toBe(false)
    expect(accepts('WechatEncodingAesKey', '')).toBe(true)
    expect(accepts('WechatEncodingAesKey', 'aB3'.repeat(14) + 'z')).toBe(true)
    expect(accepts('WechatEncodingAesKey', 'a'.repeat(42))).toBe(false)
    expect(accepts('WechatEncodingAesKey', 'a'.repeat(44))).toBe(false)
    expect(accepts('WechatEncodingAesKey', `${'a'.repeat(42)}+`)).toBe(false)
  })

  it('refuse an EncodingAESKey without a Token when deploying', () => {
    const rules = JSON.stringify((template.toJSON() as { Rules: unknown }).Rules)
    expect(rules).toContain(
      '{"Fn::Or":[{"Fn::Equals":[{"Ref":"WechatEncodingAesKey"},""]},{"Fn::Not":[{"Fn::Equals":[{"Ref":"WechatPushToken"},""]}]}]}',
    )
  })

  it('are what the service reads: empty is unset, a key needs a token', () => {
    const main = { WECHAT_APP_ID: 'wx4f4bc4dec97d474b', WECHAT_APP_SECRET: '0'.repeat(32) }
    const off = loadConfig({ ...main, WECHAT_PUSH_TOKEN: '', WECHAT_ENCODING_AES_KEY: '' })
    expect(off.connections[0]!.pushToken).toBeUndefined()
    expect(off.connections[0]!.encodingAesKey).toBeUndefined()
    const token = 'tok' + '1'.repeat(29)
    const key = 'aB3'.repeat(14) + 'z'
    expect(accepts('WechatPushToken', token) && accepts('WechatEncodingAesKey', key)).toBe(true)
    const on = loadConfig({ ...main, WECHAT_PUSH_TOKEN: token, WECHAT_ENCODING_AES_KEY: key })
    expect(on.connections[0]).toMatchObject({ pushToken: token, encodingAesKey: key })
  })

  it('check the WeChat formats before anything is deployed', () => {
    expect(accepts('WechatAppId', 'wx4f4bc4dec97d474b')).toBe(true)
    expect(accepts('WechatAppId', 'wx4f4bc4dec97d474')).toBe(false)
    expect(accepts('WechatAppSecret', '0123456789abcdef0123456789abcdef')).toBe(true)
    expect(accepts('WechatAppSecret', 'not-a-secret')).toBe(false)
    expect(accepts('WechatConnectionId', 'wechat-miniprogram')).toBe(true)
    expect(accepts('WechatConnectionId', 'Shop_1')).toBe(false)
    expect(accepts('VerificationFileContent', '7c5ffce3ba1f0e2c4b0fd684e371f25b')).toBe(true)
    expect(json.Parameters.LoginOnlyMode).toMatchObject({
      AllowedValues: ['true', 'false'],
      Default: 'false',
    })
    expect(json.Parameters.WechatConnectionId!.Default).toBe('wechat-miniprogram')
  })
})

describe('outputs', () => {
  it('give the address, the WeChat console entries, the egress IP, the JWKS URL and the admin key secret', () => {
    expect(Object.keys(json.Outputs)).toEqual(
      expect.arrayContaining([
        'AuthenticationAddress',
        'WechatRequestDomain',
        'WechatBusinessDomain',
        'VerificationFileUrl',
        'EgressIp',
        'JwksUrl',
        'AdminApiKeySecretArn',
        'WechatPushUrl',
      ]),
    )
    expect(JSON.stringify(json.Outputs.WechatPushUrl!.Value)).toContain(
      '/v1/connections/",{"Ref":"WechatConnectionId"},"/wechat/events',
    )
    expect(JSON.stringify(json.Outputs.JwksUrl!.Value)).toContain('/.well-known/jwks.json')
    expect(environment.PUBLIC_URL).toEqual(json.Outputs.AuthenticationAddress!.Value)
  })

  it('never reveal a secret value', () => {
    expect(JSON.stringify(json.Outputs)).not.toMatch(
      /WechatAppSecret|SecretString|resolve:secretsmanager/,
    )
  })
})

describe('alarms', () => {
  it('watch the 5xx rate, p99 latency, unhealthy targets, database CPU and free storage', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((a) =>
      JSON.stringify(a.Properties),
    )
    expect(alarms).toHaveLength(5)
    for (const metric of [
      'HTTPCode_Target_5XX_Count',
      'TargetResponseTime',
      'UnHealthyHostCount',
      'CPUUtilization',
      'FreeStorageSpace',
    ])
      expect(alarms.filter((a) => a.includes(metric))).toHaveLength(1)
    template.resourceCountIs('AWS::SNS::Topic', 0)
  })
})

describeNagChecks(stack)
