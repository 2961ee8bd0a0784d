// Deploy-time parameters: what must stay out of the repository (AppID, AppSecret, push keys, the verification file)
// and the switches an operator flips without touching code; each format is checked by CloudFormation.
import { CfnParameter, type Stack } from 'aws-cdk-lib'

/** Declares the stack's parameters; only the stack calls this, constructs get plain values. */
export function deployParameters(stack: Stack) {
  const param = (id: string, props: ConstructorParameters<typeof CfnParameter>[2]) =>
    new CfnParameter(stack, id, { type: 'String', ...props })
  return {
    appId: param('WechatAppId', {
      description: 'AppID of the Mini Program (开发管理 → 开发设置)',
      allowedPattern: '^wx[0-9a-f]{16}$',
      constraintDescription: 'must be wx followed by 16 lowercase hex digits',
    }),
    appSecret: param('WechatAppSecret', {
      description: 'AppSecret of the Mini Program; stored in Secrets Manager, never shown',
      noEcho: true,
      allowedPattern: '^[0-9a-f]{32}$',
      constraintDescription: 'must be 32 lowercase hex digits',
    }),
    // The service's rules for 消息推送 (service/config.ts): a Token of 3-32 letters and digits, an
    // EncodingAESKey of 43; empty means unset, and without a Token the push URL answers 404.
    pushToken: param('WechatPushToken', {
      description: 'Token of 消息推送 (开发管理 → 开发设置 → 消息推送); empty: pushes off',
      noEcho: true,
      default: '',
      allowedPattern: '^([A-Za-z0-9]{3,32})?$',
      constraintDescription: 'must be empty or 3 to 32 letters and digits',
    }),
    encodingAesKey: param('WechatEncodingAesKey', {
      description:
        'EncodingAESKey of 消息推送 for safe mode; needs WechatPushToken; empty: plain mode',
      noEcho: true,
      default: '',
      allowedPattern: '^([A-Za-z0-9]{43})?$',
      constraintDescription: 'must be empty or the 43 letters and digits of the WeChat console',
    }),
    connectionId: param('WechatConnectionId', {
      description: 'Connection id of the Mini Program in URLs and tokens; never rename it',
      default: 'wechat-miniprogram',
      allowedPattern: '^[a-z0-9-]{1,31}$',
      constraintDescription: 'must be lowercase letters, digits and "-", fewer than 32 characters',
    }),
    loginOnly: param('LoginOnlyMode', {
      description: 'Login Only Mode: never create an account on login',
      default: 'false',
      allowedValues: ['true', 'false'],
    }),
    verificationName: param('VerificationFileName', {
      description: 'Business-domain verification file name from the WeChat console (case matters)',
      default: 'WechatVerification.txt',
      // The console's names are letters and digits (e.g. 87PweoaRBw.txt) or MP_verify_….txt.
      allowedPattern: '^[A-Za-z0-9_-]+\\.txt$',
      constraintDescription: 'must be letters, digits, "_" and "-" followed by .txt',
    }),
    verificationContent: param('VerificationFileContent', {
      description: 'Exact content of the verification file',
      default: '00000000000000000000000000000000',
      allowedPattern: '^[0-9a-f]{32}$',
      constraintDescription: 'must be the 32 hex characters of the file',
    }),
  }
}
