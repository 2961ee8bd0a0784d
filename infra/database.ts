// Database: one encrypted PostgreSQL 17 instance in the isolated subnets, credentials generated into Secrets
// Manager, snapshotted when the stack goes away.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as rds from 'aws-cdk-lib/aws-rds'
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import { Construct } from 'constructs'

export interface DatabaseProps {
  readonly vpc: ec2.IVpc
  /**
   * Instance class and size, e.g. `t4g.micro` or `m7g.large`.
   * @default ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO)
   */
  readonly instanceType?: ec2.InstanceType
  /**
   * Storage in GiB (gp3; 20 is the gp3 minimum).
   * @default 20
   */
  readonly allocatedStorageGiB?: number
  /**
   * Refuse to delete the instance until this is turned off and deployed.
   * @default true
   */
  readonly deletionProtection?: boolean
  /**
   * Name of the database the service uses.
   * @default 'wechat_login'
   */
  readonly databaseName?: string
  /**
   * A standby in a second zone that takes over within a minute or two (and doubles the instance's price).
   * @default false
   */
  readonly multiAz?: boolean
}

export class Database extends Construct {
  readonly instance: rds.DatabaseInstance
  /** Generated credentials: JSON with `username`, `password`, `host`, `port`, `dbname`. */
  readonly secret: secretsmanager.ISecret
  readonly connections: ec2.Connections
  readonly hostname: string
  /** The port as a string token, ready for an environment variable. */
  readonly port: string
  readonly databaseName: string
  readonly allocatedStorageGiB: number

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id)
    this.databaseName = props.databaseName ?? 'wechat_login'
    this.allocatedStorageGiB = props.allocatedStorageGiB ?? 20

    // A fixed identifier lets the stack own the PostgreSQL log group (with a retention) instead of RDS
    // creating one that keeps logs forever.
    const instanceIdentifier = `${Stack.of(this).stackName}-postgres`.toLowerCase()
    const logGroup = new logs.LogGroup(this, 'PostgresLog', {
      logGroupName: `/aws/rds/instance/${instanceIdentifier}/postgresql`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      instanceIdentifier,
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      instanceType:
        props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      credentials: rds.Credentials.fromGeneratedSecret('wechat_login'),
      databaseName: this.databaseName,
      storageType: rds.StorageType.GP3,
      allocatedStorage: this.allocatedStorageGiB,
      storageEncrypted: true,
      multiAz: props.multiAz ?? false,
      backupRetention: Duration.days(7),
      deleteAutomatedBackups: false,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      deletionProtection: props.deletionProtection ?? true,
      cloudwatchLogsExports: ['postgresql'],
      autoMinorVersionUpgrade: true,
    })
    this.instance.node.addDependency(logGroup)
    this.secret = this.instance.secret!
    this.connections = this.instance.connections
    this.hostname = this.instance.dbInstanceEndpointAddress
    this.port = this.instance.dbInstanceEndpointPort

    if (!props.multiAz)
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason:
          'Single-AZ keeps the idle bill small; a failed instance is recovered from the 7-day backups.',
      })
    Validations.of(this.instance).acknowledge(
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'The default port is reachable only from the service security group inside isolated subnets.',
      },
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Tasks read the password only when they start, so automatic rotation would cut running tasks off the database.',
      },
    )
    if (!(props.deletionProtection ?? true))
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason:
          'The operator turned deletion protection off on purpose (development or before destroying the stack).',
      })
  }
}
