// Network: a two-AZ VPC whose only way out is one NAT with an Elastic IP, so WeChat's API IP whitelist
// needs exactly one address, kept across redeploys and even the stack's deletion; rejected traffic is kept
// in flow logs.
import { RemovalPolicy, Validations } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as cr from 'aws-cdk-lib/custom-resources'
import { Construct } from 'constructs'
import { acknowledgeCustomResourceProvider } from './nag'

export type NatMode = 'gateway' | 'instance'

// A literal (not the VPC's CidrBlock attribute) so security-group rules stay checkable at synth time.
const VPC_CIDR = '10.0.0.0/16'

export interface NetworkProps {
  /**
   * How private subnets reach the internet. `instance` (a t4g.nano) costs a few dollars a month instead of
   * the NAT gateway's ~$33, at the price of a single, self-managed instance.
   * @default 'gateway'
   */
  readonly natMode?: NatMode
  /**
   * How long the rejected-traffic flow logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays
  /**
   * Instance type of the NAT instance (`natMode: 'instance'`).
   * @default ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO)
   */
  readonly natInstanceType?: ec2.InstanceType
  /**
   * The allocation id (`eipalloc-…`) of an Elastic IP to leave from, e.g. the one an earlier stack kept:
   * WeChat's whitelist then needs no change.
   * @default - a new Elastic IP, retained when the stack is deleted
   */
  readonly egressIpAllocationId?: string
  /**
   * Zones to use, for Regions where some zones lack Fargate or CloudFront VPC origins.
   * @default - the first two zones of the Region
   */
  readonly availabilityZones?: string[]
}

export class Network extends Construct {
  readonly vpc: ec2.Vpc
  /** The public addresses every outbound call leaves from (WeChat's API IP whitelist). */
  readonly egressIps: string[]

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id)
    const natMode = props.natMode ?? 'gateway'

    // Allocated here rather than by the VPC so the address is a resource we can output and keep stable;
    // retained, because the whitelisted address must survive anything short of its owner releasing it.
    const eip = props.egressIpAllocationId
      ? undefined
      : new ec2.CfnEIP(this, 'NatEip', { domain: 'vpc' })
    eip?.applyRemovalPolicy(RemovalPolicy.RETAIN)
    const allocationId = props.egressIpAllocationId ?? eip!.attrAllocationId
    const natInstance =
      natMode === 'instance'
        ? ec2.NatProvider.instanceV2({
            instanceType:
              props.natInstanceType ??
              ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO),
            defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
          })
        : undefined
    const natGatewayProvider =
      natInstance ?? ec2.NatProvider.gateway({ eipAllocationIds: [allocationId] })

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
      ...(props.availabilityZones ? { availabilityZones: props.availabilityZones } : { maxAzs: 2 }),
      natGateways: 1,
      natGatewayProvider,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    })

    if (natInstance) {
      natInstance.connections.allowFrom(
        ec2.Peer.ipv4(VPC_CIDR),
        ec2.Port.allTraffic(),
        'Traffic from the private subnets to forward',
      )
      for (const instance of natInstance.gatewayInstances) {
        if (eip) eip.instanceId = instance.instanceId
        else
          new ec2.CfnEIPAssociation(this, 'NatEipAssociation', {
            allocationId,
            instanceId: instance.instanceId,
          })
        // The provider takes no block devices; set the root volume on the L1 so it is encrypted.
        instance.instance.blockDeviceMappings = [
          { deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3' } },
        ]
        Validations.of(instance).acknowledge(
          {
            id: 'AwsSolutions-EC28',
            reason:
              'The NAT instance is a cost option; its CPU and network metrics at 5-minute resolution are enough.',
          },
          {
            id: 'AwsSolutions-EC29',
            reason:
              'The NAT instance holds no state, and CloudFormation must be free to replace it when its settings change.',
          },
        )
      }
    }
    this.egressIps = [eip ? eip.ref : this.addressOf(allocationId)]

    const flowLogGroup = new logs.LogGroup(this, 'RejectedFlows', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.vpc.addFlowLog('RejectedFlowLog', {
      trafficType: ec2.FlowLogTrafficType.REJECT,
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
    })
  }

  /** The public address of a reused allocation, read when deploying (synth stays offline). */
  private addressOf(allocationId: string): string {
    const lookup = new cr.AwsCustomResource(this, 'EgressIpLookup', {
      onUpdate: {
        service: 'EC2',
        action: 'describeAddresses',
        parameters: { AllocationIds: [allocationId] },
        physicalResourceId: cr.PhysicalResourceId.of(allocationId),
        outputPaths: ['Addresses.0.PublicIp'],
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['ec2:DescribeAddresses'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
    })
    Validations.of(lookup).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeAddresses supports no resource-level permissions; it only reads.',
    })
    acknowledgeCustomResourceProvider(this)
    return lookup.getResponseField('Addresses.0.PublicIp')
  }
}
