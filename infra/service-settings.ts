// What the stack's shape adds to the service's plain configuration and image: QR login's settings, lean
// mode's rare pruning and patient database connections, and the China Regions' RDS roots baked into the
// image (no npm package carries them) for DB_SSL_CA.
import { isChina, type WechatLoginStackProps } from './stack-props'

/**
 * Each China Region's RDS CA bundle, as the Amazon RDS user guide for China lists them
 * (https://docs.amazonaws.cn/en_us/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html).
 */
export const CHINA_RDS_CA_BUNDLES: Readonly<Record<string, string>> = {
  'cn-north-1':
    'https://rds-truststore.s3.cn-north-1.amazonaws.com.cn/cn-north-1/cn-north-1-bundle.pem',
  'cn-northwest-1':
    'https://rds-truststore.s3.cn-north-1.amazonaws.com.cn/cn-northwest-1/cn-northwest-1-bundle.pem',
}

/** Where service/Dockerfile puts the bundle downloaded from RDS_CA_BUNDLE_URL. */
export const IMAGE_CA_BUNDLE = '/app/ca/rds-ca.pem'

/** Lean mode: prune once a day (each round wakes the paused database) and wait out a resume. */
export const LEAN_MAINTENANCE_INTERVAL_SECONDS = 86_400
/**
 * Aurora Serverless v2 resumes in about 15 s, longer after a day paused; 45 s stays inside the 60 s
 * CloudFront waits for the answer in lean mode.
 */
export const LEAN_DB_CONNECT_TIMEOUT_SECONDS = 45

export interface ServiceSettings {
  readonly environment: Record<string, string>
  readonly buildArgs: Record<string, string>
}

export function serviceSettings(props: WechatLoginStackProps): ServiceSettings {
  const environment: Record<string, string> = {}
  const buildArgs: Record<string, string> = {}
  if (props.baseImage) buildArgs.BASE_IMAGE = props.baseImage
  if (props.qrLoginPage) {
    environment.WECHAT_QR_LOGIN_PAGE = props.qrLoginPage
    if (props.qrLoginEnvVersion) environment.WECHAT_QR_LOGIN_ENV_VERSION = props.qrLoginEnvVersion
    if (props.webOrigins?.length) environment.WECHAT_WEB_ORIGINS = props.webOrigins.join(',')
  }
  if (props.lean) {
    environment.MAINTENANCE_INTERVAL = String(LEAN_MAINTENANCE_INTERVAL_SECONDS)
    environment.DB_CONNECT_TIMEOUT = String(LEAN_DB_CONNECT_TIMEOUT_SECONDS)
    // The session cache's listener holds a connection open and pings through it every second: the database
    // would never pause. A lean deployment's traffic does not need the cache.
    environment.SESSION_CACHE_SIZE = '0'
  }
  const bundle = isChina(props.region) ? CHINA_RDS_CA_BUNDLES[props.region!] : undefined
  if (bundle) {
    buildArgs.RDS_CA_BUNDLE_URL = bundle
    environment.DB_SSL_CA = IMAGE_CA_BUNDLE
  }
  return { environment, buildArgs }
}
