// Builds the stack as bin/app.ts does (cdk.json's feature flags, environment-agnostic, linted by
// aws-cdk-lib's template validation); each suite synthesizes its one configuration once, at module scope.
import { readFileSync } from 'node:fs'
import { App } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import * as cxapi from 'aws-cdk-lib/cx-api'
import { WechatLoginStack, type WechatLoginStackProps } from '../../infra/wechat-login-stack'

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>
}

export const US_EAST_1_CERTIFICATE =
  'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012'

export interface Synthesized {
  readonly stack: WechatLoginStack
  readonly template: Template
  /** The docker image assets of the stack, as the CLI would build them. */
  readonly dockerImages: {
    platform?: string
    dockerFile?: string
    directory?: string
    dockerBuildArgs?: Record<string, string>
  }[]
}

export function synthesize(props: WechatLoginStackProps = {}): Synthesized {
  const app = new App({ context: cdkJson.context })
  const stack = new WechatLoginStack(app, 'WechatLoginStack', props)
  const template = Template.fromStack(stack)
  const assembly = app.synth()
  const manifests = assembly.artifacts.filter(
    (a): a is cxapi.AssetManifestArtifact => a instanceof cxapi.AssetManifestArtifact,
  )
  const dockerImages = manifests.flatMap((m) =>
    Object.values(m.contents.dockerImages ?? {}).map((image) => image.source),
  )
  return { stack, template, dockerImages }
}

/** Every resource of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>
}

export interface Resource {
  Type: string
  Properties: Record<string, unknown>
}

/** True when `value` (any JSON) mentions `{ Ref: name }` anywhere. */
export function refersTo(value: unknown, name: string): boolean {
  if (Array.isArray(value)) return value.some((v) => refersTo(v, name))
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>
    if (record.Ref === name) return true
    return Object.values(record).some((v) => refersTo(v, name))
  }
  return false
}

/** The logical id in `{ "Fn::GetAtt": [id, attribute] }`. */
export function getAttId(value: unknown): string {
  return (value as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]
}
