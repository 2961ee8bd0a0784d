// Database: encrypted PostgreSQL 17 in the isolated subnets, credentials generated into Secrets Manager,
// snapshotted when the stack goes away: an RDS instance, or (lean) Aurora Serverless v2 that pauses at 0 ACU
// when idle. Either way it grants its own ingress and hands the container its settings and secrets.
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib'
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as ecs from 'aws-cdk-lib/aws-ecs'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as rds from 'aws-cdk-lib/aws-rds'
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import { Construct, type IConstruct } from 'constructs'

/** A cdk-nag finding acknowledged on `scope`, with its one-sentence reason. */
const acknowledge = (scope: IConstruct, id: string, reason: string) =>
  Validations.of(scope).acknowledge({ id, reason })

export interface ServerlessOptions {
  /** The most Aurora capacity units the writer scales to. @default 2 */
  readonly maxCapacity?: number
  /** Idle time (no connections) before the writer pauses, 5 minutes to a day. @default Duration.minutes(5) */
  readonly autoPause?: Duration
}

export interface DatabaseProps {
  readonly vpc: ec2.IVpc
  /**
   * Instance class and size of the RDS instance, e.g. `t4g.micro` or `m7g.large`.
   * @default ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO)
   */
  readonly instanceType?: ec2.InstanceType
  /** Storage of the RDS instance in GiB (gp3; 20 is the gp3 minimum). @default 20 */
  readonly allocatedStorageGiB?: number
  /** Refuse to delete the database until this is turned off and deployed. @default true */
  readonly deletionProtection?: boolean
  /** Name of the database the service uses. @default 'wechat_login' */
  readonly databaseName?: string
  /**
   * A standby in a second zone that takes over within a minute or two (doubles the instance's price; for
   * Aurora, a reader that scales and pauses with the writer).
   * @default false
   */
  readonly multiAz?: boolean
  /**
   * Aurora PostgreSQL Serverless v2 (minimum 0 ACU, auto-pause) instead of an RDS instance: idle, only its
   * storage is billed; the first connection after a pause waits about 15 s while it resumes.
   * @default - an RDS instance
   */
  readonly serverless?: ServerlessOptions
}

export class Database extends Construct {
  /** Generated credentials: JSON with `username`, `password`, `host`, `port`, `dbname`. */
  readonly secret: secretsmanager.ISecret
  readonly connections: ec2.Connections
  readonly databaseName: string
  /** What the service's container reads in plain text: DB_HOST, DB_PORT, DB_NAME. */
  readonly containerEnvironment: Record<string, string>
  /** What it reads as ECS secrets: DB_USER and DB_PASSWORD. */
  readonly containerSecrets: Record<string, ecs.Secret>
  /** CPU of the instance (or the Aurora writer), for alarms. */
  readonly cpuMetric: cloudwatch.IMetric
  /** Free storage and the size it is a share of; absent for Aurora, whose storage grows by itself. */
  readonly freeStorage?: { metric: cloudwatch.IMetric; sizeGiB: number }

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id)
    this.databaseName = props.databaseName ?? 'wechat_login'
    const {
      resource: built,
      host,
      port,
    } = props.serverless ? this.cluster(props, props.serverless) : this.instance(props)
    this.secret = built.secret!
    this.connections = built.connections
    this.containerEnvironment = {
      DB_HOST: host,
      DB_PORT: port,
      DB_NAME: this.databaseName,
    }
    this.containerSecrets = {
      DB_USER: ecs.Secret.fromSecretsManager(this.secret, 'username'),
      DB_PASSWORD: ecs.Secret.fromSecretsManager(this.secret, 'password'),
    }
    this.cpuMetric = built.metricCPUUtilization({ period: Duration.minutes(5) })
    if (built instanceof rds.DatabaseInstance)
      this.freeStorage = {
        metric: built.metricFreeStorageSpace({ period: Duration.minutes(5) }),
        sizeGiB: props.allocatedStorageGiB ?? 20,
      }

    acknowledge(
      built,
      'AwsSolutions-SMG4',
      'Tasks read the password only when they start, so automatic rotation would cut running tasks off the database.',
    )
    if (!(props.deletionProtection ?? true))
      acknowledge(
        built,
        'AwsSolutions-RDS10',
        'The operator turned deletion protection off on purpose (development or before destroying the stack).',
      )
  }

  /** Admits `peer` (the service) to the database's port, and nothing else. */
  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.connections.allowDefaultPortFrom(peer, description)
  }

  /** The log group the engine writes to, owned by the stack so it has a retention (RDS's own has none). */
  private logGroup(kind: 'instance' | 'cluster', identifier: string) {
    return new logs.LogGroup(this, 'PostgresLog', {
      logGroupName: `/aws/rds/${kind}/${identifier}/postgresql`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
  }

  private common(props: DatabaseProps) {
    return {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      credentials: rds.Credentials.fromGeneratedSecret('wechat_login'),
      storageEncrypted: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      deletionProtection: props.deletionProtection ?? true,
      cloudwatchLogsExports: ['postgresql'],
    }
  }

  private instance(props: DatabaseProps) {
    // A fixed identifier lets the stack own the PostgreSQL log group.
    const instanceIdentifier = `${Stack.of(this).stackName}-postgres`.toLowerCase()
    const logGroup = this.logGroup('instance', instanceIdentifier)
    const instance = new rds.DatabaseInstance(this, 'Instance', {
      ...this.common(props),
      instanceIdentifier,
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      instanceType:
        props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      databaseName: this.databaseName,
      storageType: rds.StorageType.GP3,
      allocatedStorage: props.allocatedStorageGiB ?? 20,
      multiAz: props.multiAz ?? false,
      backupRetention: Duration.days(7),
      deleteAutomatedBackups: false,
      autoMinorVersionUpgrade: true,
    })
    instance.node.addDependency(logGroup)
    acknowledge(
      instance,
      'AwsSolutions-RDS11',
      'The default port is reachable only from the service security group inside isolated subnets.',
    )
    if (!props.multiAz)
      acknowledge(
        instance,
        'AwsSolutions-RDS3',
        'Single-AZ keeps the idle bill small; a failed instance is recovered from the 7-day backups.',
      )
    return {
      resource: instance,
      host: instance.dbInstanceEndpointAddress,
      port: instance.dbInstanceEndpointPort,
    }
  }

  private cluster(props: DatabaseProps, serverless: ServerlessOptions) {
    const clusterIdentifier = `${Stack.of(this).stackName}-aurora`.toLowerCase()
    const logGroup = this.logGroup('cluster', clusterIdentifier)
    const cluster = new rds.DatabaseCluster(this, 'Cluster', {
      ...this.common(props),
      clusterIdentifier,
      // 17.4 is the first Aurora PostgreSQL 17 and scales to 0 ACU (auto-pause needs 16.3+ or 17.4+).
      engine: rds.DatabaseClusterEngine.auroraPostgres({
        version: rds.AuroraPostgresEngineVersion.VER_17_4,
      }),
      writer: rds.ClusterInstance.serverlessV2('Writer', { autoMinorVersionUpgrade: true }),
      // A reader in promotion tier 0-1 scales, pauses and resumes with the writer.
      readers: props.multiAz
        ? [rds.ClusterInstance.serverlessV2('Reader', { scaleWithWriter: true })]
        : [],
      serverlessV2MinCapacity: 0,
      serverlessV2MaxCapacity: serverless.maxCapacity ?? 2,
      serverlessV2AutoPauseDuration: serverless.autoPause ?? Duration.minutes(5),
      defaultDatabaseName: this.databaseName,
      backup: { retention: Duration.days(7) },
    })
    cluster.node.addDependency(logGroup)
    acknowledge(
      cluster,
      'AwsSolutions-RDS6',
      'The service signs in with the generated password from Secrets Manager; IAM tokens would add a renewal loop to every task.',
    )
    return {
      resource: cluster,
      host: cluster.clusterEndpoint.hostname,
      port: Token.asString(cluster.clusterEndpoint.port),
    }
  }
}
