// `npx cdk synth` works offline with no AWS account: the CLI runs bin/app.ts (cdk.json), the AwsSolutions
// checks pass, and the docker image asset is staged without a Docker engine (it is only built at deploy).
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
// One synth costs about 12 s of CPU (half of it aws-cdk-lib’s CloudFormation validation); on two cores
// shared with the rest of the suite it has taken 110 s, so each CLI run gets a generous, bounded deadline.
const SYNTH_MS = 240_000
const root = new URL('../..', import.meta.url).pathname
const out = mkdtempSync(join(tmpdir(), 'cdk-synth-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

const quietEnv = {
  ...process.env,
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_DISABLE_VERSION_CHECK: 'true',
  AWS_EC2_METADATA_DISABLED: 'true',
}

/** Runs `cdk synth` with `-c` values that must be refused; answers its standard error. */
async function failedSynth(name: string, context: string[]): Promise<string> {
  const args = ['cdk', 'synth', '--quiet', '--no-notices', '--output', `${out}-${name}`]
  const failed = await run('npx', [...args, ...context.flatMap((c) => ['-c', c])], {
    cwd: root,
    env: quietEnv,
    timeout: SYNTH_MS,
  }).catch((error: { stderr: string }) => error)
  rmSync(`${out}-${name}`, { recursive: true, force: true })
  expect(failed).toHaveProperty('stderr')
  return (failed as { stderr: string }).stderr
}

describe('cdk synth', () => {
  it('synthesizes the stack offline through the CLI', { timeout: SYNTH_MS + 10_000 }, async () => {
    await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', out], {
      cwd: root,
      env: quietEnv,
      timeout: SYNTH_MS,
    })
    const template = JSON.parse(readFileSync(join(out, 'WechatLoginStack.template.json'), 'utf8'))
    expect(template.Resources).toBeDefined()
    const assets = JSON.parse(readFileSync(join(out, 'WechatLoginStack.assets.json'), 'utf8'))
    const images = Object.values(assets.dockerImages) as { source: { platform: string } }[]
    expect(images.map((i) => i.source.platform)).toEqual(['linux/arm64'])
  })

  it(
    'fails with the configuration sentence when the context is wrong',
    { timeout: SYNTH_MS + 10_000 },
    async () => {
      const stderr = await failedSynth('bad', [
        'certificateArn=arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
        'domainName=login.example.com',
      ])
      expect(stderr).toContain(
        'certificateArn is in eu-west-1, but CloudFront only uses certificates from us-east-1.',
      )
    },
  )

  it(
    'says in one sentence that the China Regions need a domain and a certificate',
    { timeout: SYNTH_MS + 10_000 },
    async () => {
      expect(await failedSynth('cn', ['region=cn-north-1'])).toContain(
        'The China Regions need -c domainName=<your ICP-filed domain> and -c certificateArn=',
      )
    },
  )
})
