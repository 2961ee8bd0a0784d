// Auth service: the Hono service on Fargate behind an ALB (internal behind the edge, or facing the internet
// on 443 where there is no edge), credentials injected as ECS secrets, scaled on CPU and on requests per
// task, rolled back when a deployment does not become healthy.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import { Platform } from 'aws-cdk-lib/aws-ecr-assets'
import * as ecs from 'aws-cdk-lib/aws-ecs'
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import type { Database } from './database'
import type { ServiceSecrets } from './service-secrets'

const CONTAINER_PORT = 3000

export interface AuthServiceProps {
  readonly vpc: ec2.IVpc
  readonly database: Database
  readonly secrets: ServiceSecrets
  /** The authentication address (`https://…`): the JWT issuer and the base of every URL the service prints. */
  readonly publicUrl: string
  /** Id of the main connection (`WECHAT_CONNECTION`). */
  readonly wechatConnectionId: string
  /** `"true"` or `"false"` (`WECHAT_LOGIN_ONLY`); a string so a CloudFormation parameter can feed it. */
  readonly wechatLoginOnly: string
  /** Docker build context: the repository root. */
  readonly buildContext: string
  /**
   * The Dockerfile, relative to the build context.
   * @default 'service/Dockerfile'
   */
  readonly dockerfile?: string
  /**
   * CPU architecture of both the image build and the task; they must agree or the task cannot start.
   * @default ecs.CpuArchitecture.ARM64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture
  /** @default 512 (0.5 vCPU) */
  readonly cpu?: number
  /** @default 1024 */
  readonly memoryLimitMiB?: number
  /** @default 1 */
  readonly minTasks?: number
  /** @default 4 */
  readonly maxTasks?: number
  /**
   * Target of the request-count scaling policy, in requests per task per minute: what a 0.5-vCPU task serves
   * at the CPU policy's 60 % when the requests are logins (docs/capacity.md), so neither policy runs ahead.
   * @default 24000
   */
  readonly requestsPerTarget?: number
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays
  /**
   * The header of the one proxy in front of the service that sets the client IP (CLIENT_ADDRESS_HEADER);
   * only safe when nothing else can reach the service, since a direct caller could forge it.
   * @default - the TCP peer
   */
  readonly clientAddressHeader?: 'cloudfront-viewer-address' | 'x-forwarded-for'
  /**
   * When set, the load balancer faces the internet from the public subnets and terminates TLS on 443 with
   * this certificate (ACM or IAM); otherwise it is internal, on 80, for the edge to open.
   * @default - internal
   */
  readonly publicCertificateArn?: string
  /**
   * Docker build arguments of the image, e.g. `BASE_IMAGE` for a registry reachable from where it builds.
   * @default - none: service/Dockerfile's defaults
   */
  readonly buildArgs?: Record<string, string>
  /**
   * Further plain (non-secret) settings of the container, e.g. QR login's page or MAINTENANCE_INTERVAL.
   * @default - none
   */
  readonly environment?: Record<string, string>
  /**
   * Run the tasks on Fargate Spot (about 70 % cheaper, x86 only; a task may be stopped with two minutes'
   * notice and is replaced).
   * @default false
   */
  readonly spot?: boolean
  /** Container Insights metrics of the cluster (a few dollars a month). @default true */
  readonly containerInsights?: boolean
}

export class AuthService extends Construct {
  readonly cluster: ecs.Cluster
  readonly service: ecs.FargateService
  readonly taskDefinition: ecs.FargateTaskDefinition
  readonly loadBalancer: elbv2.ApplicationLoadBalancer
  readonly targetGroup: elbv2.ApplicationTargetGroup
  /** The listener that forwards to the service: HTTPS on 443 when public, else HTTP on 80. */
  readonly listener: elbv2.ApplicationListener
  readonly connections: ec2.Connections

  constructor(scope: Construct, id: string, props: AuthServiceProps) {
    super(scope, id)
    const { vpc, database, secrets } = props
    const arch = props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64
    const privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }

    const insights = props.containerInsights ?? true
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: insights
        ? ecs.ContainerInsights.ENABLED
        : ecs.ContainerInsights.DISABLED,
      enableFargateCapacityProviders: props.spot,
    })
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu ?? 512,
      memoryLimitMiB: props.memoryLimitMiB ?? 1024,
      runtimePlatform: {
        cpuArchitecture: arch,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    })
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    const fromSecret = ecs.Secret.fromSecretsManager
    // Values of `environment` go first so they can never replace what the stack itself must decide.
    this.taskDefinition.addContainer('auth', {
      image: ecs.ContainerImage.fromAsset(props.buildContext, {
        file: props.dockerfile ?? 'service/Dockerfile',
        platform: arch === ecs.CpuArchitecture.ARM64 ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
        buildArgs: props.buildArgs,
      }),
      command: ['node', 'dist/service/main.js'],
      portMappings: [{ containerPort: CONTAINER_PORT }],
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'auth' }),
      environment: {
        ...props.environment,
        NODE_ENV: 'production',
        PORT: String(CONTAINER_PORT),
        PUBLIC_URL: props.publicUrl,
        ...database.containerEnvironment,
        WECHAT_CONNECTION: props.wechatConnectionId,
        WECHAT_LOGIN_ONLY: props.wechatLoginOnly,
        ...(props.clientAddressHeader ? { CLIENT_ADDRESS_HEADER: props.clientAddressHeader } : {}),
      },
      // Every credential is fetched by ECS from Secrets Manager when a task starts.
      secrets: {
        ...database.containerSecrets,
        WECHAT_APP_ID: fromSecret(secrets.wechat, 'appId'),
        WECHAT_APP_SECRET: fromSecret(secrets.wechat, 'appSecret'),
        MASTER_KEY: fromSecret(secrets.masterKey),
        ADMIN_API_KEY: fromSecret(secrets.adminApiKey),
        ...(secrets.wechatPush
          ? {
              WECHAT_PUSH_TOKEN: fromSecret(secrets.wechat, 'pushToken'),
              WECHAT_ENCODING_AES_KEY: fromSecret(secrets.wechat, 'encodingAesKey'),
            }
          : {}),
        ...(secrets.connections ? { WECHAT_CONNECTIONS: fromSecret(secrets.connections) } : {}),
        ...(secrets.webhooks ? { WEBHOOKS: fromSecret(secrets.webhooks) } : {}),
      },
    })

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      vpcSubnets: privateSubnets,
      // No desiredCount: auto scaling owns the count, so a deploy never shrinks a scaled-out service.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      ...(props.spot
        ? { capacityProviderStrategies: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }
        : {}),
      // Migrations run at start under an advisory lock; give them time before health checks count.
      healthCheckGracePeriod: Duration.seconds(60),
    })
    this.connections = this.service.connections
    database.allowFrom(this.service, 'The auth service')

    const certificateArn = props.publicCertificateArn
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc,
      vpcSubnets: certificateArn ? { subnetType: ec2.SubnetType.PUBLIC } : privateSubnets,
      internetFacing: !!certificateArn,
      dropInvalidHeaderFields: true,
      // The service believes only the rightmost X-Forwarded-For entry: the one this load balancer appends.
      ...(certificateArn ? { xffHeaderProcessingMode: elbv2.XffHeaderProcessingMode.APPEND } : {}),
    })
    // Internal: `open: false`, the edge opens the listener to CloudFront only.
    this.listener = certificateArn
      ? this.loadBalancer.addListener('Https', {
          port: 443,
          certificates: [elbv2.ListenerCertificate.fromArn(certificateArn)],
          // TLS 1.2 and 1.3 only (WeChat requires 1.2 or later).
          sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
          open: true,
        })
      : this.loadBalancer.addListener('Http', { port: 80, open: false })
    this.targetGroup = this.listener.addTargets('Service', {
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      deregistrationDelay: Duration.seconds(15),
      // Liveness, not readiness: a database blip answers 503 from /readyz on every task at once, and the
      // load balancer would replace them all; the service already answers 503 per request meanwhile.
      // Migrations run before the process listens, so a task that answers here has applied them.
      healthCheck: {
        path: '/healthz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    })

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: props.minTasks ?? 1,
      maxCapacity: props.maxTasks ?? 4,
    })
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.minutes(5),
    })
    scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: props.requestsPerTarget ?? 24_000,
      targetGroup: this.targetGroup,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.minutes(5),
    })

    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The plain environment holds only non-secret settings; every credential is an ECS secret.',
    })
    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken has no resource-level permissions; image pulls are scoped to the asset repository.',
    })
    if (certificateArn)
      Validations.of(this.loadBalancer).acknowledge({
        id: 'AwsSolutions-EC23',
        reason:
          'The load balancer is the public authentication address: Mini Programs call it from anywhere on 80 and 443.',
      })
    if (!insights)
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-ECS4',
        reason:
          'Lean mode leaves Container Insights off to stay under its budget; the load balancer and service metrics remain.',
      })
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason:
        'The service logs every request with its route, status, latency and caller address; ALB logs would repeat that.',
    })
  }
}
