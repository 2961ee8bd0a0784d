// Network: a two-AZ VPC whose only way out is one NAT with an Elastic IP, so WeChat's API IP whitelist
// needs exactly one address; rejected traffic is kept in flow logs.
import { RemovalPolicy, Validations } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'

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
}

export class Network extends Construct {
  readonly vpc: ec2.Vpc
  /** The public addresses every outbound call leaves from (WeChat's API IP whitelist). */
  readonly egressIps: string[]

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id)
    const natMode = props.natMode ?? 'gateway'

    // Allocated here rather than by the VPC so the address is a resource we can output and keep stable.
    const eip = new ec2.CfnEIP(this, 'NatEip', { domain: 'vpc' })
    const natInstance =
      natMode === 'instance'
        ? ec2.NatProvider.instanceV2({
            instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO),
            defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
          })
        : undefined
    const natGatewayProvider =
      natInstance ?? ec2.NatProvider.gateway({ eipAllocationIds: [eip.attrAllocationId] })

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
      maxAzs: 2,
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
        eip.instanceId = instance.instanceId
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
    this.egressIps = [eip.ref]

    const flowLogGroup = new logs.LogGroup(this, 'RejectedFlows', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.vpc.addFlowLog('RejectedFlowLog', {
      trafficType: ec2.FlowLogTrafficType.REJECT,
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
    })
  }
}
