// Service secrets: the WeChat credentials, the master key, the admin key and (optionally) the extra
// connections, each in Secrets Manager so the task receives them as ECS secrets, never as plain values.
import { RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib'
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import { Construct } from 'constructs'

/** A further Mini Program served by the same deployment (`WECHAT_CONNECTIONS`, docs/configuration.md). */
export interface ExtraConnection {
  /** Connection id in URLs and tokens: lowercase letters, digits and `-`, fewer than 32 characters. */
  readonly id: string
  /** The Mini Program's AppID (`wx` + 16 hex digits). */
  readonly appId: string
  /** ARN or name of an existing Secrets Manager secret that holds this Mini Program's AppSecret. */
  readonly appSecretArn: string
  /**
   * The JSON key of the AppSecret inside that secret.
   * @default - the whole secret string is the AppSecret
   */
  readonly appSecretJsonField?: string
  /**
   * Pin a version of that secret; change it to make a deploy pick up a rotated AppSecret.
   * @default - the version current at the last deploy that changed this connection
   */
  readonly appSecretVersionId?: string
  /** @default - the id */
  readonly displayName?: string
  /** Login Only Mode for this connection. @default false */
  readonly loginOnly?: boolean
}

export interface ServiceSecretsProps {
  /** The main Mini Program's AppID. */
  readonly wechatAppId: string
  /** The main Mini Program's AppSecret, e.g. `SecretValue.cfnParameter(noEchoParameter)`. */
  readonly wechatAppSecret: SecretValue
  /** @default - no extra connections, no `WECHAT_CONNECTIONS` */
  readonly extraConnections?: readonly ExtraConnection[]
}

export class ServiceSecrets extends Construct {
  /** JSON `{appId, appSecret}` of the main connection. */
  readonly wechat: secretsmanager.Secret
  /**
   * MASTER_KEY: 32 random bytes written as 64 lowercase hex characters. Secrets Manager can generate
   * hex (by excluding every other character) but not base64 of random bytes.
   */
  readonly masterKey: secretsmanager.Secret
  /** ADMIN_API_KEY: 48 letters and digits. */
  readonly adminApiKey: secretsmanager.Secret
  /** WECHAT_CONNECTIONS as JSON, when there are extra connections. */
  readonly connections?: secretsmanager.Secret

  constructor(scope: Construct, id: string, props: ServiceSecretsProps) {
    super(scope, id)

    this.wechat = new secretsmanager.Secret(this, 'Wechat', {
      description: 'AppID and AppSecret of the main WeChat Mini Program connection',
      secretObjectValue: {
        appId: SecretValue.unsafePlainText(props.wechatAppId),
        appSecret: props.wechatAppSecret,
      },
    })
    this.masterKey = new secretsmanager.Secret(this, 'MasterKey', {
      description:
        'MASTER_KEY: 32 random bytes as 64 hex characters; losing it loses every encrypted row',
      generateSecretString: {
        passwordLength: 64,
        excludeUppercase: true,
        excludePunctuation: true,
        excludeCharacters: 'ghijklmnopqrstuvwxyz',
        includeSpace: false,
        requireEachIncludedType: false,
      },
      // The database snapshot outlives the stack; its encrypted columns are useless without this key.
      removalPolicy: RemovalPolicy.RETAIN,
    })
    this.adminApiKey = new secretsmanager.Secret(this, 'AdminApiKey', {
      description: 'ADMIN_API_KEY: bearer key of the admin API',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    })

    const extra = props.extraConnections ?? []
    if (extra.length > 0) {
      // CloudFormation resolves each dynamic reference while deploying, so the AppSecrets are copied from
      // their own secrets into this one and never appear in the template.
      const connections = extra.map((c) => ({
        id: c.id,
        displayName: c.displayName ?? c.id,
        appId: c.appId,
        appSecret: SecretValue.secretsManager(c.appSecretArn, {
          jsonField: c.appSecretJsonField,
          versionId: c.appSecretVersionId,
        }).unsafeUnwrap(),
        loginOnly: c.loginOnly ?? false,
      }))
      this.connections = new secretsmanager.Secret(this, 'Connections', {
        description: 'WECHAT_CONNECTIONS: the extra Mini Program connections, AppSecrets included',
        secretStringValue: SecretValue.unsafePlainText(Stack.of(this).toJsonString(connections)),
      })
    }

    const acknowledge = (secret: secretsmanager.Secret, reason: string) =>
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason })
    acknowledge(
      this.wechat,
      'The AppSecret is reset in the WeChat console, then passed in as a parameter; there is nothing to rotate here.',
    )
    acknowledge(
      this.masterKey,
      'Rotating the master key would make every value encrypted with it unreadable; it must stay fixed.',
    )
    acknowledge(
      this.adminApiKey,
      'Tasks read the admin key when they start; it is rotated by hand with a new ECS deployment.',
    )
    if (this.connections)
      acknowledge(
        this.connections,
        'This secret is a copy the stack rebuilds from the connections’ own secrets on deploy.',
      )
  }
}
