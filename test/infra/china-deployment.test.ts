// Contracts of the China shape (`-c region=cn-north-1`): no CloudFront, an internet-facing load balancer on
// 443 with the operator's certificate, 80 redirected, the verification file and site/ answered by listener
// rules, the client IP from the load balancer's X-Forwarded-For, x86 tasks, and ARNs of the aws-cn partition.
import { readFileSync } from 'node:fs'
import { Match } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { CHINA_RDS_CA_BUNDLES, IMAGE_CA_BUNDLE } from '../../infra/service-settings'
import { describeNagChecks } from './nag-checks'
import { type Resource, resourcesOf, synthesize } from './synth'

const CERTIFICATE =
  'arn:aws-cn:acm:cn-north-1:123456789012:certificate/12345678-1234-1234-1234-123456789012'
const { stack, template, dockerImages } = synthesize({
  region: 'cn-north-1',
  domainName: 'login.example.cn',
  certificateArn: CERTIFICATE,
})
const json = template.toJSON() as {
  Resources: Record<string, Resource>
  Outputs: Record<string, { Value: unknown }>
}
const text = JSON.stringify(json)
const listeners = Object.values(resourcesOf(template, 'AWS::ElasticLoadBalancingV2::Listener'))
const listenerOn = (port: number) => listeners.find((l) => l.Properties.Port === port)!
const rules = Object.values(resourcesOf(template, 'AWS::ElasticLoadBalancingV2::ListenerRule'))
const container = (
  Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition'))[0]!.Properties
    .ContainerDefinitions as { Environment: { Name: string; Value: unknown }[] }[]
)[0]!
const environment = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]))

describe('China shape', () => {
  it('has no CloudFront resource at all (no distribution, VPC origin or Origin Access Control)', () => {
    expect(
      Object.values(json.Resources).filter((r) => r.Type.startsWith('AWS::CloudFront::')),
    ).toEqual([])
    template.resourceCountIs('AWS::S3::Bucket', 0)
  })

  it('writes every ARN with the partition of the Region, never arn:aws:', () => {
    expect(text).not.toContain('arn:aws:')
    expect(stack.partition).toBe('aws-cn')
  })

  it('puts an internet-facing load balancer in the public subnets that appends X-Forwarded-For', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Subnets: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('publicSubnet') })]),
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.xff_header_processing.mode', Value: 'append' },
      ]),
    })
  })

  it('drops invalid header fields', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      ]),
    })
  })

  it('terminates TLS 1.2+ on 443 with the certificate and redirects 80 to it', () => {
    expect(listenerOn(443).Properties).toMatchObject({
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERTIFICATE }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      DefaultActions: [expect.objectContaining({ Type: 'forward' })],
    })
    expect(listenerOn(80).Properties).toMatchObject({
      Protocol: 'HTTP',
      DefaultActions: [
        {
          Type: 'redirect',
          RedirectConfig: { Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' },
        },
      ],
    })
  })

  it('answers the verification file at the domain root with exactly its content, before the service', () => {
    const rule = rules.find((r) => r.Properties.Priority === 1)!
    expect(rule.Properties.Conditions).toEqual([
      {
        Field: 'path-pattern',
        PathPatternConfig: {
          Values: [{ 'Fn::Join': ['', ['/', { Ref: 'VerificationFileName' }]] }],
        },
      },
    ])
    expect(rule.Properties.Actions).toEqual([
      {
        Type: 'fixed-response',
        FixedResponseConfig: {
          StatusCode: '200',
          ContentType: 'text/plain',
          MessageBody: { Ref: 'VerificationFileContent' },
        },
      },
    ])
  })

  it('still answers the pages of site/ under /site/', () => {
    const site = rules.find((r) =>
      JSON.stringify(r.Properties.Conditions).includes('/site/index.html'),
    )!
    expect(JSON.stringify(site.Properties.Actions)).toContain('"ContentType":"text/html"')
  })

  it('takes the client IP from X-Forwarded-For and issues tokens for the domain', () => {
    expect(environment).toMatchObject({
      CLIENT_ADDRESS_HEADER: 'x-forwarded-for',
      PUBLIC_URL: 'https://login.example.cn',
    })
    expect(environment).not.toHaveProperty('TRUST_CLOUDFRONT_VIEWER_ADDRESS')
  })

  it('runs x86 tasks, built for x86', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    })
    expect(dockerImages).toEqual([expect.objectContaining({ platform: 'linux/amd64' })])
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.t3.micro' })
  })

  it('bakes the Region’s RDS CA bundle into the image and points DB_SSL_CA at it', () => {
    expect(dockerImages).toEqual([
      expect.objectContaining({
        dockerBuildArgs: {
          RDS_CA_BUNDLE_URL:
            'https://rds-truststore.s3.cn-north-1.amazonaws.com.cn/cn-north-1/cn-north-1-bundle.pem',
        },
      }),
    ])
    expect(environment.DB_SSL_CA).toBe(IMAGE_CA_BUNDLE)
    const dockerfile = readFileSync('service/Dockerfile', 'utf8')
    expect(dockerfile).toContain(`/app/ca/rds-ca.pem`)
    expect(IMAGE_CA_BUNDLE).toBe('/app/ca/rds-ca.pem')
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m)
    expect(dockerfile).toMatch(/^COPY --from=ca --chown=node:node \/app\/ca \.\/ca$/m)
  })

  it('has a bundle URL for each China Region, on the Region’s own page of the RDS trust store', () => {
    expect(Object.keys(CHINA_RDS_CA_BUNDLES).sort()).toEqual(['cn-north-1', 'cn-northwest-1'])
    for (const [region, url] of Object.entries(CHINA_RDS_CA_BUNDLES))
      expect(url).toBe(
        `https://rds-truststore.s3.cn-north-1.amazonaws.com.cn/${region}/${region}-bundle.pem`,
      )
  })

  it('outputs the CNAME target, the egress IP and the verification URL', () => {
    expect(json.Outputs.LoadBalancerDnsName!.Value).toEqual({
      'Fn::GetAtt': [expect.any(String), 'DNSName'],
    })
    expect(json.Outputs.EgressIp).toBeDefined()
    expect(json.Outputs.VerificationFileUrl!.Value).toEqual({
      'Fn::Join': ['', ['https://login.example.cn/', { Ref: 'VerificationFileName' }]],
    })
    expect(json.Outputs.AuthenticationAddress!.Value).toBe('https://login.example.cn')
  })
})

describeNagChecks(stack)
