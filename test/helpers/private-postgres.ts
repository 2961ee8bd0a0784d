// A private PostgreSQL cluster in a temporary folder, on its own port, that a fault test may stop and start
// for real without touching the machine's shared server. Needs the PostgreSQL server binaries.
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises'
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
  stop(): Promise<void>
  start(): Promise<void>
  destroy(): Promise<void>
}

export interface PrivatePostgresOptions {
  /** Serve TLS with a self-signed certificate, as RDS requires TLS. */
  ssl?: boolean
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
      const [cert, key] = [join(dir, 'server.crt'), join(dir, 'server.key')]
      const subject = ['-subj', '/CN=localhost', '-keyout', key, '-out', cert]
      await exec('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        ...subject,
      ])
      await chmod(key, 0o600)
      settings += ` -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key}`
    }
    await start()
  } catch (err) {
    await destroy() // a half-made cluster leaves no folder behind
    throw err
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, start, stop, destroy }
}
