// Edge: the CloudFront distribution that is the authentication address; the API reaches the internal ALB
// through a VPC origin, and the ALB accepts traffic only from CloudFront (its origin-facing addresses and
// the security group CloudFront creates for VPC origins).
import { Aws, Duration, Fn, Stack, Validations } from 'aws-cdk-lib'
import * as acm from 'aws-cdk-lib/aws-certificatemanager'
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront'
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as cr from 'aws-cdk-lib/custom-resources'
import { Construct } from 'constructs'
import { acknowledgeCustomResourceProvider } from './nag'

/** The group CloudFront creates in a VPC for its VPC origins. */
const VPC_ORIGINS_SERVICE_GROUP = 'CloudFront-VPCOrigins-Service-SG'

/** `<stack>-<region>-<what>`, within CloudFront's 64 characters, for names that are global to the account. */
export function regionalName(scope: Construct, what: string): string {
  return Fn.join('-', [Stack.of(scope).stackName.slice(0, 40), Aws.REGION, what])
}

export interface EdgeProps {
  /** The internal load balancer in front of the service; it becomes the default behavior. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer
  /**
   * A custom domain for the distribution (WeChat requires an ICP-filed domain in production) and the ARN of
   * an ACM certificate in us-east-1 that covers it.
   * @default - the distribution's `*.cloudfront.net` domain
   */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string }
  /**
   * How long CloudFront waits for the service's answer (at most 60 s without a quota increase).
   * @default Duration.seconds(30)
   */
  readonly originReadTimeout?: Duration
  /**
   * Edge locations to pay for; class 200 includes the Asian locations nearest to WeChat users.
   * @default cloudfront.PriceClass.PRICE_CLASS_200
   */
  readonly priceClass?: cloudfront.PriceClass
}

export class Edge extends Construct {
  readonly distribution: cloudfront.Distribution
  /** The host name viewers use: the custom domain or the `*.cloudfront.net` one. */
  readonly host: string
  /** `https://<host>`: the authentication address. */
  readonly url: string

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id)
    const custom = props.customDomain
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'WeChat login: API and static host',
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_200,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      ...(custom
        ? {
            domainNames: [custom.domainName],
            certificate: acm.Certificate.fromCertificateArn(
              this,
              'Certificate',
              custom.certificateArn,
            ),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      defaultBehavior: {
        origin: origins.VpcOrigin.withApplicationLoadBalancer(props.loadBalancer, {
          // CloudFront names are global: with the Region in it, one stack name deploys in two Regions.
          vpcOriginName: regionalName(this, 'api'),
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
          httpPort: 80,
          readTimeout: props.originReadTimeout ?? Duration.seconds(30),
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        // Every answer is per user: nothing is cached, and every viewer header (Authorization included)
        // reaches the service, plus CloudFront's own, of which the service reads CloudFront-Viewer-Address
        // as the client IP for rate limits and sessions.
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_AND_CLOUDFRONT_2022,
        compress: true,
      },
    })
    this.host = custom?.domainName ?? this.distribution.distributionDomainName
    this.url = `https://${this.host}`

    // The managed prefix list's id differs per region and a synth-time lookup needs an account, so it is
    // read when deploying.
    const prefixList = new cr.AwsCustomResource(this, 'OriginFacingPrefixList', {
      onUpdate: {
        service: 'EC2',
        action: 'describeManagedPrefixLists',
        parameters: {
          Filters: [
            { Name: 'prefix-list-name', Values: ['com.amazonaws.global.cloudfront.origin-facing'] },
          ],
        },
        physicalResourceId: cr.PhysicalResourceId.of('cloudfront-origin-facing'),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
    })
    props.loadBalancer.connections.allowFrom(
      ec2.Peer.prefixList(prefixList.getResponseField('PrefixLists.0.PrefixListId')),
      ec2.Port.tcp(80),
      'CloudFront origin-facing servers (VPC origin)',
    )
    // CloudFront also creates this group in the VPC with the VPC origin, and CDK's own deployed test of VPC
    // origins admits it; which of the two the traffic matches cannot be tested offline, so both are admitted.
    const vpcOrigin = this.distribution.node
      .findAll()
      .find((c): c is cloudfront.VpcOrigin => c instanceof cloudfront.VpcOrigin)!
    const serviceGroup = new cr.AwsCustomResource(this, 'VpcOriginsServiceGroup', {
      onUpdate: {
        service: 'EC2',
        action: 'describeSecurityGroups',
        parameters: {
          Filters: [
            { Name: 'group-name', Values: [VPC_ORIGINS_SERVICE_GROUP] },
            { Name: 'vpc-id', Values: [props.loadBalancer.vpc!.vpcId] },
          ],
        },
        physicalResourceId: cr.PhysicalResourceId.of(VPC_ORIGINS_SERVICE_GROUP),
        outputPaths: ['SecurityGroups.0.GroupId'],
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['ec2:DescribeSecurityGroups'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
    })
    serviceGroup.node.addDependency(vpcOrigin)
    // A rule of its own, not inline in the load balancer's group: the group exists before the VPC origin.
    for (const [i, group] of props.loadBalancer.connections.securityGroups.entries())
      new ec2.CfnSecurityGroupIngress(this, `FromVpcOriginsServiceGroup${i || ''}`, {
        groupId: group.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: 80,
        toPort: 80,
        sourceSecurityGroupId: serviceGroup.getResponseField('SecurityGroups.0.GroupId'),
        description: 'CloudFront VPC origins service group',
      })
    Validations.of(serviceGroup).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeSecurityGroups supports no resource-level permissions; it only reads.',
    })

    Validations.of(prefixList).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ec2:DescribeManagedPrefixLists supports no resource-level permissions; it only reads.',
    })
    acknowledgeCustomResourceProvider(this)
    const ack = (id: string, reason: string) =>
      Validations.of(this.distribution).acknowledge({ id, reason })
    ack(
      'AwsSolutions-CFR1',
      'WeChat users are everywhere; the service has no country restrictions.',
    )
    ack(
      'AwsSolutions-CFR2',
      'WAF costs more than the idle stack; the service rate-limits logins itself and WAF can be attached later.',
    )
    ack(
      'AwsSolutions-CFR3',
      'The service logs every request with its route, status, latency and caller address; CloudFront logs would repeat that.',
    )
    if (!custom)
      ack(
        'AwsSolutions-CFR4',
        'The default *.cloudfront.net certificate cannot pin a TLS minimum; a custom domain uses TLSv1.2_2021.',
      )
  }
}
