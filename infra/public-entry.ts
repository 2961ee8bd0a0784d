// Public entry: where there is no CloudFront edge to lean on (the AWS China Regions), the internet-facing
// load balancer is the authentication address: port 80 redirects to 443, and the WeChat verification file
// and the pages of `site/` are answered by listener rules, with no bucket and no distribution.
import { readdirSync, readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import { Construct } from 'constructs'
import { StackConfigError } from './stack-props'

/** What a fixed response may carry: these content types, at most 1024 bytes (ELB quotas). */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.txt': 'text/plain',
  '.css': 'text/css',
  '.js': 'application/javascript',
  '.json': 'application/json',
}
const MAX_FIXED_RESPONSE_BYTES = 1024

export interface PublicEntryProps {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer
  /** The HTTPS listener in front of the service; the rules are added to it. */
  readonly listener: elbv2.ApplicationListener
  /** The verification file's name as WeChat gives it (case matters). */
  readonly verificationFileName: string
  /** Its exact content (32 hex characters), answered as text/plain with nothing added. */
  readonly verificationFileContent: string
  /** Local folder whose files are answered under `/site/`; each must fit a fixed response. */
  readonly siteDirectory: string
}

export class PublicEntry extends Construct {
  constructor(scope: Construct, id: string, props: PublicEntryProps) {
    super(scope, id)
    props.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 })
    props.listener.addAction('VerificationFile', {
      priority: 1,
      conditions: [elbv2.ListenerCondition.pathPatterns([`/${props.verificationFileName}`])],
      action: elbv2.ListenerAction.fixedResponse(200, {
        contentType: 'text/plain',
        messageBody: props.verificationFileContent,
      }),
    })
    sitePages(props.siteDirectory).forEach((page, i) =>
      props.listener.addAction(`Site${i}`, {
        priority: 10 + i,
        conditions: [elbv2.ListenerCondition.pathPatterns(page.paths)],
        action: elbv2.ListenerAction.fixedResponse(200, {
          contentType: page.contentType,
          messageBody: page.body,
        }),
      }),
    )
  }
}

interface Page {
  paths: string[]
  contentType: string
  body: string
}

/** The files of `site/` as fixed responses; one that cannot be one stops synth with a sentence. */
export function sitePages(directory: string): Page[] {
  return readdirSync(directory)
    .sort()
    .map((name) => {
      const contentType = CONTENT_TYPES[extname(name)]
      const body = readFileSync(join(directory, name), 'utf8')
      if (!contentType || Buffer.byteLength(body) > MAX_FIXED_RESPONSE_BYTES)
        throw new StackConfigError('site/ for a shape without CloudFront', [
          `site/${name} cannot be served: the load balancer answers only html, txt, css, js or json files of at most ${MAX_FIXED_RESPONSE_BYTES} bytes.`,
        ])
      const path = `/site/${name}`
      return {
        paths: name === 'index.html' ? [path, '/site/', '/site'] : [path],
        contentType,
        body,
      }
    })
}
