// Contracts of lean mode (`-c lean=true`): what makes it idle under $30 a month in us-east-1 (Fargate Spot,
// the smallest task, a NAT instance, Aurora Serverless v2 that pauses at 0 ACU, no Container Insights), and
// what keeps the paused database paused (no health check, pruning or open connection that wakes it) yet
// lets the first request wait for it to resume.
import { Match } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { LEAN_DB_CONNECT_TIMEOUT_SECONDS } from '../../infra/service-settings'
import { loadConfig } from '../../service/config'
import { describeNagChecks } from './nag-checks'
import { getAttId, resourcesOf, synthesize } from './synth'

const { stack, template, dockerImages } = synthesize({ lean: true })
const container = (
  Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition'))[0]!.Properties
    .ContainerDefinitions as {
    Environment: { Name: string; Value: unknown }[]
    Secrets: { Name: string }[]
    HealthCheck?: unknown
  }[]
)[0]!
const environment = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]))

describe('lean mode: the service', () => {
  it('runs on Fargate Spot only, in a cluster that has the Fargate capacity providers', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
      LaunchType: Match.absent(),
    })
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith(['FARGATE_SPOT']),
    })
  })

  it('runs the smallest task, x86 (what Fargate Spot runs), built for x86', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '256',
      Memory: '512',
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    })
    expect(dockerImages).toEqual([expect.objectContaining({ platform: 'linux/amd64' })])
  })

  it('leaves Container Insights off', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'disabled' }],
    })
  })

  it('leaves through a NAT instance, not a NAT gateway', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0)
    template.resourceCountIs('AWS::EC2::Instance', 1)
  })
})

describe('lean mode: the database', () => {
  it('is Aurora PostgreSQL 17 Serverless v2 that scales to 0 ACU and pauses after 5 idle minutes', () => {
    template.resourceCountIs('AWS::RDS::DBInstance', 1)
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' })
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: Match.stringLikeRegexp('^17\\.'),
      ServerlessV2ScalingConfiguration: {
        MinCapacity: 0,
        MaxCapacity: 2,
        SecondsUntilAutoPause: 300,
      },
      StorageEncrypted: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
    })
    const [cluster] = Object.values(template.findResources('AWS::RDS::DBCluster'))
    expect(cluster).toMatchObject({ DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' })
  })

  it('accepts connections only from the service security group', () => {
    const [cluster] = Object.values(resourcesOf(template, 'AWS::RDS::DBCluster'))
    const groupId = getAttId((cluster!.Properties.VpcSecurityGroupIds as unknown[])[0])
    const service = Object.values(resourcesOf(template, 'AWS::ECS::Service'))[0]!.Properties as {
      NetworkConfiguration: { AwsvpcConfiguration: { SecurityGroups: unknown[] } }
    }
    const serviceGroupId = getAttId(
      service.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups[0],
    )
    expect(
      resourcesOf(template, 'AWS::EC2::SecurityGroup')[groupId]!.Properties.SecurityGroupIngress,
    ).toBeUndefined()
    const ingress = Object.values(resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')).filter(
      (r) => getAttId(r.Properties.GroupId) === groupId,
    )
    expect(ingress.map((r) => r.Properties.SourceSecurityGroupId)).toEqual([
      { 'Fn::GetAtt': [serviceGroupId, 'GroupId'] },
    ])
  })

  it('is reached through the cluster endpoint, user and password from its generated secret', () => {
    expect(JSON.stringify(environment.DB_HOST)).toContain('Endpoint.Address')
    expect(container.Secrets.map((s) => s.Name)).toEqual(
      expect.arrayContaining(['DB_USER', 'DB_PASSWORD']),
    )
  })

  it('has no free-storage alarm: Aurora storage grows by itself', () => {
    const names = Object.keys(resourcesOf(template, 'AWS::CloudWatch::Alarm'))
    expect(names.some((n) => n.includes('DatabaseCpu'))).toBe(true)
    expect(names.some((n) => n.includes('DatabaseFreeStorage'))).toBe(false)
  })
})

describe('lean mode: nothing wakes the paused database, and the first request waits for it', () => {
  it('health-checks /healthz (no database) and gives the container no health check of its own', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/healthz',
    })
    expect(container.HealthCheck).toBeUndefined()
  })

  it('prunes once a day instead of hourly and holds no listening connection, settings the service reads as such', () => {
    expect(environment.MAINTENANCE_INTERVAL).toBe('86400')
    // The session cache's listener would hold a connection open: the database would never pause.
    expect(environment.SESSION_CACHE_SIZE).toBe('0')
    const plain = Object.entries(environment).filter(([, v]) => typeof v === 'string')
    const config = loadConfig({
      ...(Object.fromEntries(plain) as Record<string, string>),
      MASTER_KEY: 'ab'.repeat(32),
    })
    expect(config).toMatchObject({
      maintenanceIntervalSeconds: 86_400,
      databaseConnectTimeoutSeconds: LEAN_DB_CONNECT_TIMEOUT_SECONDS,
      sessionCacheSize: 0,
    })
  })

  it('waits 45 s for a database connection, inside CloudFront’s 60 s wait for the answer', () => {
    expect(environment.DB_CONNECT_TIMEOUT).toBe(String(LEAN_DB_CONNECT_TIMEOUT_SECONDS))
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: Match.arrayWith([
          Match.objectLike({
            VpcOriginConfig: Match.objectLike({ OriginReadTimeout: 60 }),
          }),
        ]),
      }),
    })
    expect(LEAN_DB_CONNECT_TIMEOUT_SECONDS).toBeLessThan(60)
  })
})

describeNagChecks(stack)
