// The two ways the smoke check talks to a deployment: a bare TLS handshake (to read the certificate) and an
// HTTPS GET or POST; both trust the system's authorities, or only the given CA when one is passed.
import { request } from 'node:https'
import { isIP } from 'node:net'
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls'

export interface Target {
  readonly url: URL
  /** PEM of the authority to trust instead of the system's (a test's own CA). */
  readonly ca?: string
  readonly timeoutMs: number
}

export interface TlsResult {
  protocol: string
  /** Empty when the certificate is trusted, valid now and names the host; else why not. */
  problem?: string
  validTo: Date
  subject: string
}

const port = (url: URL) => Number(url.port || 443)
const serverName = (host: string) => (isIP(host) ? undefined : host)

/** Handshakes with TLS 1.2 exactly (WeChat requires it), then judges the certificate as a client would. */
export function probeTls({ url, ca, timeoutMs }: Target): Promise<TlsResult> {
  const host = url.hostname
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: port(url),
      servername: serverName(host),
      ca,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      // Judged below, so that the sentence can say what is wrong with the certificate.
      rejectUnauthorized: false,
    })
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`no answer within ${timeoutMs} ms`)),
    )
    socket.once('error', reject)
    socket.once('secureConnect', () => {
      const cert: PeerCertificate = socket.getPeerCertificate()
      const validTo = new Date(cert.valid_to)
      const names = cert.subjectaltname ?? `CN=${cert.subject?.CN ?? '?'}`
      let problem: string | undefined
      const wrongHost = checkServerIdentity(host, cert)
      // Typed as an Error, but Node sets the OpenSSL code (a string) here.
      const reason = socket.authorizationError ? String(socket.authorizationError) : undefined
      if (reason === 'CERT_HAS_EXPIRED')
        problem = `the certificate expired on ${validTo.toISOString().slice(0, 10)}`
      else if (wrongHost) problem = `the certificate is for ${names}, not ${host}`
      else if (reason) problem = `the certificate is not trusted (${reason})`
      resolve({ protocol: socket.getProtocol() ?? '?', problem, validTo, subject: names })
      socket.end()
    })
  })
}

export interface Answer {
  status: number
  contentType: string
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked field by field by the caller
  json: any
}

/** One HTTPS call; the body is read whole (the answers checked here are small). */
export function call(
  { url, ca, timeoutMs }: Target,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      {
        method,
        ca,
        servername: serverName(url.hostname),
        minVersion: 'TLSv1.2',
        agent: false,
        headers: {
          'user-agent': 'wechat-login-stack smoke',
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json: unknown
          try {
            json = JSON.parse(text)
          } catch {
            json = undefined
          }
          const contentType = String(res.headers['content-type'] ?? '')
          resolve({ status: res.statusCode ?? 0, contentType, text, json })
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(payload)
  })
}
