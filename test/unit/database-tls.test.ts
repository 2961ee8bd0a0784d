// databaseTls(): which sslmodes encrypt, that encryption is always verified, and what is trusted.
import { X509Certificate } from 'node:crypto'
import type { PeerCertificate } from 'node:tls'
import { describe, expect, it } from 'vitest'
import { databaseTls, rdsCertificates } from '../../service/db/tls'

const base = 'postgres://app:pw@db.abc123.eu-west-1.rds.amazonaws.com:5432/auth'

describe('databaseTls', () => {
  it('uses no TLS without sslmode or with sslmode=disable', () => {
    expect(databaseTls(base)).toBe(false)
    expect(databaseTls(`${base}?sslmode=disable`)).toBe(false)
  })

  it('verifies the chain against RDS CAs for require, verify-ca and verify-full', () => {
    for (const mode of ['require', 'verify-ca', 'verify-full']) {
      const tls = databaseTls(`${base}?sslmode=${mode}`)
      expect(tls && tls.rejectUnauthorized).toBe(true)
      expect(tls && tls.ca).toBe(rdsCertificates)
    }
  })

  it('refuses sslmodes that fall back to an unverified or plain connection', () => {
    expect(() => databaseTls(`${base}?sslmode=prefer`)).toThrow(/sslmode=prefer/)
    expect(() => databaseTls(`${base}?sslmode=allow`)).toThrow(/sslmode=allow/)
  })

  it('checks the certificate names the host dialled, even an IP address', () => {
    const named = (san: string) =>
      ({ subject: { CN: 'x' }, subjectaltname: san }) as PeerCertificate
    const identity = (url: string) => {
      const tls = databaseTls(url)
      if (!tls || !tls.checkServerIdentity) throw new Error('no identity check')
      return tls.checkServerIdentity
    }
    const check = identity(`${base}?sslmode=require`)
    expect(check('', named('DNS:db.abc123.eu-west-1.rds.amazonaws.com'))).toBeUndefined()
    expect(check('', named('DNS:other.abc123.eu-west-1.rds.amazonaws.com'))).toBeInstanceOf(Error)
    const checkIp = identity('postgres://u@127.0.0.1:5432/db?sslmode=require')
    expect(checkIp('', named('IP Address:127.0.0.1'))).toBeUndefined()
    expect(checkIp('', named('DNS:localhost'))).toBeInstanceOf(Error)
  })

  it('names DB_SSL_CA when its file is unreadable or not PEM, or set without TLS', () => {
    expect(() => databaseTls(`${base}?sslmode=require`, '/nonexistent/ca.pem')).toThrow(
      /^DB_SSL_CA/,
    )
    expect(() => databaseTls(`${base}?sslmode=require`, 'package.json')).toThrow(/no PEM/)
    expect(() => databaseTls(base, 'package.json')).toThrow(/DB_SSL_CA is set/)
  })

  it("trusts RDS's current G1 roots, each a CA certificate", () => {
    const certs = rdsCertificates.map((pem) => new X509Certificate(pem))
    expect(certs.every((c) => c.ca)).toBe(true)
    const names = certs.map((c) => c.subject)
    for (const region of ['us-east-1', 'eu-west-1', 'ap-northeast-1', 'ap-southeast-1']) {
      expect(names.some((n) => n.includes(`Amazon RDS ${region} Root CA RSA2048 G1`))).toBe(true)
    }
  })
})
