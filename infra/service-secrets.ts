// Service secrets: the WeChat credentials and push keys, the master key, the admin key and (optionally) the
// extra connections and webhooks, each in Secrets Manager so the task receives them as ECS secrets, never
// as plain values.
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
   * The JSON key, in the same secret, of this Mini Program's 消息推送 Token (`pushToken`).
   * @default - no pushes for this connection
   */
  readonly pushTokenJsonField?: string
  /**
   * The JSON key, in the same secret, of its EncodingAESKey (`encodingAesKey`, safe mode); needs
   * pushTokenJsonField.
   * @default - plain mode
   */
  readonly encodingAesKeyJsonField?: string
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
  /**
   * The main connection's 消息推送 Token and EncodingAESKey, e.g. from NoEcho parameters; an empty value
   * turns the setting off (the service reads an empty variable as unset).
   * @default - neither: no WECHAT_PUSH_TOKEN nor WECHAT_ENCODING_AES_KEY
   */
  readonly wechatPush?: { readonly token: SecretValue; readonly encodingAesKey: SecretValue }
  /**
   * ARN or name of an existing secret whose string is the WEBHOOKS JSON.
   * @default - no webhooks
   */
  readonly webhooksSecretArn?: string
  /** @default - no extra connections, no `WECHAT_CONNECTIONS` */
  readonly extraConnections?: readonly ExtraConnection[]
}

export class ServiceSecrets extends Construct {
  /** JSON `{appId, appSecret}` of the main connection, with `pushToken` and `encodingAesKey` if given. */
  readonly wechat: secretsmanager.Secret
  /** Whether `wechat` holds the push keys. */
  readonly wechatPush: boolean
  /**
   * MASTER_KEY: 32 random bytes written as 64 lowercase hex characters. Secrets Manager can generate
   * hex (by excluding every other character) but not base64 of random bytes.
   */
  readonly masterKey: secretsmanager.Secret
  /** ADMIN_API_KEY: 48 letters and digits. */
  readonly adminApiKey: secretsmanager.Secret
  /** WECHAT_CONNECTIONS as JSON, when there are extra connections. */
  readonly connections?: secretsmanager.Secret
  /** WEBHOOKS, the operator's own secret, when given. */
  readonly webhooks?: secretsmanager.ISecret

  constructor(scope: Construct, id: string, props: ServiceSecretsProps) {
    super(scope, id)

    const push = props.wechatPush
    this.wechatPush = !!push
    this.wechat = new secretsmanager.Secret(this, 'Wechat', {
      description: push
        ? 'AppID, AppSecret and push keys of the main WeChat Mini Program connection'
        : 'AppID and AppSecret of the main WeChat Mini Program connection',
      secretObjectValue: {
        appId: SecretValue.unsafePlainText(props.wechatAppId),
        appSecret: props.wechatAppSecret,
        ...(push ? { pushToken: push.token, encodingAesKey: push.encodingAesKey } : {}),
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
      const connections = extra.map((c) => {
        const field = (jsonField: string | undefined) =>
          SecretValue.secretsManager(c.appSecretArn, {
            jsonField,
            versionId: c.appSecretVersionId,
          }).unsafeUnwrap()
        return {
          id: c.id,
          displayName: c.displayName ?? c.id,
          appId: c.appId,
          appSecret: field(c.appSecretJsonField),
          loginOnly: c.loginOnly ?? false,
          ...(c.pushTokenJsonField ? { pushToken: field(c.pushTokenJsonField) } : {}),
          ...(c.encodingAesKeyJsonField
            ? { encodingAesKey: field(c.encodingAesKeyJsonField) }
            : {}),
        }
      })
      this.connections = new secretsmanager.Secret(this, 'Connections', {
        description: 'WECHAT_CONNECTIONS: the extra Mini Program connections, AppSecrets included',
        secretStringValue: SecretValue.unsafePlainText(Stack.of(this).toJsonString(connections)),
      })
    }

    const webhooks = props.webhooksSecretArn
    if (webhooks)
      // The complete ARN (what create-secret prints) or the name; ECS accepts both in valueFrom.
      this.webhooks = webhooks.startsWith('arn:')
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'Webhooks', webhooks)
        : secretsmanager.Secret.fromSecretNameV2(this, 'Webhooks', webhooks)

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
