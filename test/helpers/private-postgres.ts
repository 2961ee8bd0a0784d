// A private PostgreSQL cluster in a temporary folder, on its own port, that a fault test may stop and start
// for real without touching the machine's shared server. Needs the PostgreSQL server binaries.
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './spawn-service'

const run = promisify(execFile)

/** The newest /usr/lib/postgresql/<version>/bin holding initdb, as Debian installs it. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
  return versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'initdb')))
}

export interface PrivatePostgres {
  url: string
  /** With `ssl`: the PEM of the private CA that signed the server's certificate (for 127.0.0.1). */
  caFile?: string
  stop(): Promise<void>
  start(): Promise<void>
  destroy(): Promise<void>
}

export interface PrivatePostgresOptions {
  /** Serve TLS, as RDS requires, with a certificate for 127.0.0.1 signed by a private CA (`caFile`). */
  ssl?: boolean
}

/** A CA certificate and key in `dir` (`<name>.crt`, `<name>.key`), valid for a day. */
export async function makeCa(
  dir: string,
  name: string,
  openssl: (args: string[]) => Promise<unknown> = (args) => run('openssl', args),
) {
  const [crt, key] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)]
  await openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'].concat(
      ['-subj', `/CN=${name}`, '-keyout', key, '-out', crt],
      ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'],
    ),
  )
  return { crt, key }
}

export async function startPrivatePostgres(
  options: PrivatePostgresOptions = {},
): Promise<PrivatePostgres> {
  const bin = postgresBinDir()
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql')
  const dir = await mkdtemp(join(tmpdir(), 'wls-pg-'))
  const data = join(dir, 'data')
  const port = await freePort()
  // initdb refuses to run as root: run the server binaries as the postgres user then.
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    await chown(dir, Number(stdout), Number(gid))
  }
  const exec = (tool: string, args: string[]) => {
    const path = tool === 'openssl' ? tool : join(bin, tool)
    return asRoot ? run('runuser', ['-u', 'postgres', '--', path, ...args]) : run(path, args)
  }
  let caFile: string | undefined
  let settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  const start = async () => {
    await exec('pg_ctl', ['-D', data, '-o', settings, '-l', join(dir, 'log'), '-w', 'start'])
  }
  const stop = async () => {
    await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
  }
  const destroy = async () => {
    await stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
    if (options.ssl) {
      // A CA and a server certificate it signs, naming the address clients dial (as RDS's name the endpoint).
      const ca = await makeCa(dir, 'private-ca', (args) => exec('openssl', args))
      const cert = join(dir, 'server.crt')
      const key = join(dir, 'server.key')
      const csr = join(dir, 'server.csr')
      await exec('openssl', [
        'req',
        '-new',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        key,
        '-out',
        csr,
      ])
      const ext = join(dir, 'server.ext')
      await writeFile(ext, 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
      await exec('openssl', [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        ca.crt,
        '-CAkey',
        ca.key,
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        ext,
        '-out',
        cert,
      ])
      await chmod(key, 0o600)
      caFile = ca.crt
      settings += ` -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key}`
    }
    await start()
  } catch (err) {
    await destroy() // a half-made cluster leaves no folder behind
    throw err
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, caFile, start, stop, destroy }
}
