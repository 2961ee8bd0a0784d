// Contracts of the configuration: a bad combination of props or context fails synth with a sentence that
// names what is wrong, before anything is built.
import { App } from 'aws-cdk-lib'
import { describe, expect, it } from 'vitest'
import { propsFromContext } from '../../infra/context'
import { rememberShape, SHAPE_KEYS } from '../../infra/remembered-shape'
import { problemsWith, taskCounts } from '../../infra/stack-props'
import { WechatLoginStack } from '../../infra/wechat-login-stack'
import { US_EAST_1_CERTIFICATE } from './synth'

const context = (values: Record<string, unknown>) => (key: string) => values[key]

describe('stack props', () => {
  it('accept the defaults and a complete custom domain', () => {
    expect(problemsWith({})).toEqual([])
    expect(
      problemsWith({ domainName: 'login.example.com', certificateArn: US_EAST_1_CERTIFICATE }),
    ).toEqual([])
  })

  it('reject a certificate without a domain, and a domain without a certificate', () => {
    expect(problemsWith({ certificateArn: US_EAST_1_CERTIFICATE })).toEqual([
      expect.stringMatching(/^certificateArn is set without domainName/),
    ])
    expect(problemsWith({ domainName: 'login.example.com' })).toEqual([
      expect.stringMatching(/^domainName is set without certificateArn/),
    ])
  })

  it('reject a certificate outside us-east-1, naming its region', () => {
    const certificateArn = US_EAST_1_CERTIFICATE.replace('us-east-1', 'ap-east-1')
    expect(
      () => new WechatLoginStack(new App(), 'S', { domainName: 'a.example.com', certificateArn }),
    ).toThrow(
      'certificateArn is in ap-east-1, but CloudFront only uses certificates from us-east-1.',
    )
  })

  it('need an ICP-filed domain and its certificate in China, said in one sentence', () => {
    expect(problemsWith({ region: 'cn-north-1' })).toEqual([
      'The China Regions need -c domainName=<your ICP-filed domain> and -c certificateArn=<its certificate, imported into ACM in cn-north-1 or uploaded to IAM>, since the load balancer itself is the address.',
    ])
    const china = { region: 'cn-northwest-1', domainName: 'login.example.cn' }
    const acm =
      'arn:aws-cn:acm:cn-northwest-1:123456789012:certificate/12345678-1234-1234-1234-123456789012'
    expect(problemsWith({ ...china, certificateArn: acm })).toEqual([])
    const iam = 'arn:aws-cn:iam::123456789012:server-certificate/login-example-cn'
    expect(problemsWith({ ...china, certificateArn: iam })).toEqual([])
    expect(problemsWith({ ...china, certificateArn: US_EAST_1_CERTIFICATE })).toEqual([
      'certificateArn must be an ACM certificate in cn-northwest-1 or an IAM server certificate (arn:aws-cn:iam::…:server-certificate/…).',
    ])
  })

  it('reject zones outside the Region, a lone zone, and malformed ids', () => {
    expect(problemsWith({ availabilityZones: ['us-east-1a'] })[0]).toMatch(
      /^availabilityZones must name at least two/,
    )
    expect(
      problemsWith({ region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-west-2b'] }),
    ).toEqual(['availabilityZones must all be zones of us-east-1.'])
    expect(problemsWith({ egressIpAllocationId: '1.2.3.4' })[0]).toMatch(/^egressIpAllocationId/)
    expect(problemsWith({ region: 'mars-1' })[0]).toMatch(/^region "mars-1"/)
  })

  it('reject task counts the service could not honour', () => {
    expect(problemsWith({ minTasks: 3, maxTasks: 2 })).toEqual([
      'maxTasks (2) is below minTasks (3): the service could never reach its minimum.',
    ])
    expect(problemsWith({ minTasks: 0 })).toContain(
      'minTasks must be a whole number from 1 to 100.',
    )
    expect(problemsWith({ dbAllocatedStorage: 10 })[0]).toMatch(/^dbAllocatedStorage/)
    expect(problemsWith({ natMode: 'nat' as never })[0]).toMatch(/^natMode must be/)
  })

  it('refuse lean mode in China and beside an RDS instance size, each in one sentence', () => {
    expect(problemsWith({ lean: true })).toEqual([])
    expect(
      problemsWith({
        lean: true,
        region: 'cn-north-1',
        domainName: 'login.example.cn',
        certificateArn:
          'arn:aws-cn:acm:cn-north-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
      }),
    ).toEqual([expect.stringMatching(/^lean is for the global shape only: .*\.$/)])
    expect(problemsWith({ lean: true, dbInstanceType: 't4g.small' })).toEqual([
      'dbInstanceType and dbAllocatedStorage size an RDS instance; lean runs Aurora Serverless v2, which sizes itself: drop them or lean.',
    ])
  })

  it('decide the default task counts once: 1 to 4, or up to minTasks when that is higher', () => {
    expect(taskCounts({})).toEqual({ min: 1, max: 4 })
    expect(taskCounts({ minTasks: 6 })).toEqual({ min: 6, max: 6 })
    expect(problemsWith({ minTasks: 6 })).toEqual([])
  })

  it('check the QR login settings as the service would', () => {
    const qr = {
      qrLoginPage: 'pages/qr-login/index',
      qrLoginEnvVersion: 'trial' as const,
      webOrigins: ['https://admin.example.com'],
    }
    expect(problemsWith(qr)).toEqual([])
    expect(problemsWith({ ...qr, qrLoginPage: '/pages/x' })[0]).toMatch(/^qrLoginPage "\/pages\/x"/)
    expect(problemsWith({ ...qr, qrLoginEnvVersion: 'beta' as never })[0]).toMatch(
      /^qrLoginEnvVersion must be/,
    )
    expect(problemsWith({ ...qr, webOrigins: ['http://admin.example.com'] })).toEqual([
      'webOrigins entry "http://admin.example.com" is not an https origin such as https://admin.example.com.',
    ])
    expect(problemsWith({ webOrigins: ['https://admin.example.com'] })).toEqual([
      'webOrigins and qrLoginEnvVersion only matter with qrLoginPage, which turns QR login on.',
    ])
  })

  it('reject extra connections with repeated ids or an AppSecret in clear', () => {
    const shop = {
      id: 'shop',
      appId: 'wx0123456789abcdef',
      appSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-AbCdEf',
    }
    expect(problemsWith({ extraConnections: [shop, shop] })).toEqual([
      'extraConnections[1].id repeats the connection id "shop".',
    ])
    const clear = { ...shop, appSecret: '0123456789abcdef0123456789abcdef' }
    expect(problemsWith({ extraConnections: [clear] })).toEqual([
      'extraConnections[0] has an appSecret: put it in Secrets Manager and pass appSecretArn instead.',
    ])
  })

  it('reject an extra connection’s EncodingAESKey without its Token, and odd JSON keys', () => {
    const shop = {
      id: 'shop',
      appId: 'wx0123456789abcdef',
      appSecretArn: 'shop-wechat',
      pushTokenJsonField: 'pushToken',
      encodingAesKeyJsonField: 'encodingAesKey',
    }
    expect(problemsWith({ extraConnections: [shop] })).toEqual([])
    expect(
      problemsWith({ extraConnections: [{ ...shop, pushTokenJsonField: undefined }] }),
    ).toEqual([
      'extraConnections[0].encodingAesKeyJsonField needs pushTokenJsonField: WeChat signs every push with the Token.',
    ])
    expect(
      problemsWith({ extraConnections: [{ ...shop, pushTokenJsonField: 'push token' }] }),
    ).toEqual(['extraConnections[0].pushTokenJsonField must be a plain JSON key.'])
  })

  it('take the webhooks secret by its complete ARN or its name', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:login-webhooks'
    expect(problemsWith({ webhooksSecretArn: `${arn}-AbCdEf` })).toEqual([])
    expect(problemsWith({ webhooksSecretArn: 'login-webhooks' })).toEqual([])
    for (const wrong of [arn, 'login webhooks'])
      expect(problemsWith({ webhooksSecretArn: wrong })).toEqual([
        'webhooksSecretArn must be the complete ARN of a Secrets Manager secret (as create-secret prints it, ending in -XXXXXX) or its name.',
      ])
  })
})

describe('context', () => {
  it('selects the China shape from CDK_DEFAULT_REGION, and pins a Region only from -c region otherwise', () => {
    expect(propsFromContext(context({}), 'cn-north-1').region).toBe('cn-north-1')
    expect(propsFromContext(context({}), 'us-east-1').region).toBeUndefined()
    expect(propsFromContext(context({ region: 'ap-east-1' }), 'us-east-1').region).toBe('ap-east-1')
    expect(
      propsFromContext(context({ availabilityZones: 'a-1a, a-1b' })).availabilityZones,
    ).toEqual(['a-1a', 'a-1b'])
  })

  it('remembers what -c gave, keeps it when not given again, and forgets it on an empty value', () => {
    const first = rememberShape({ domainName: 'login.example.com', minTasks: '2' })
    expect(first.changed).toEqual(['domainName', 'minTasks'])
    // The AppSecret rotation: `cdk deploy --parameters …` with no -c keeps the domain, hence the issuer.
    const rotation = rememberShape({}, first.memory)
    expect(rotation).toEqual({ shape: first.memory, memory: first.memory, changed: [] })
    const resized = rememberShape({ minTasks: '3', domainName: 'login.example.com' }, first.memory)
    expect(resized.changed).toEqual(['minTasks'])
    expect(resized.shape).toEqual({ domainName: 'login.example.com', minTasks: '3' })
    const forgot = rememberShape({ minTasks: '' }, resized.memory)
    expect(forgot).toMatchObject({
      shape: { domainName: 'login.example.com' },
      changed: ['minTasks'],
    })
  })

  it('remembers every shape key it reads (the Region keys the memory itself)', () => {
    const read = Object.keys(propsFromContext(context({}))).filter((k) => k !== 'region')
    expect(read.filter((k) => !(SHAPE_KEYS as readonly string[]).includes(k))).toEqual([])
    expect(SHAPE_KEYS).toEqual(
      expect.arrayContaining(['lean', 'qrLoginPage', 'webOrigins', 'webhooksSecretArn']),
    )
  })

  it('turns command-line strings into typed props', () => {
    const props = propsFromContext(
      context({
        minTasks: '2',
        maxTasks: 5,
        deletionProtection: 'false',
        natMode: 'instance',
        extraConnections: '[{"id":"shop"}]',
        lean: 'true',
        webOrigins: 'https://a.example.com, https://b.example.com',
        webhooksSecretArn: 'login-webhooks',
      }),
    )
    expect(props).toMatchObject({
      webhooksSecretArn: 'login-webhooks',
      lean: true,
      webOrigins: ['https://a.example.com', 'https://b.example.com'],
      minTasks: 2,
      maxTasks: 5,
      deletionProtection: false,
      natMode: 'instance',
      extraConnections: [{ id: 'shop' }],
    })
  })

  it('names every key it cannot read', () => {
    const read = () =>
      propsFromContext(
        context({ minTasks: 'two', deletionProtection: 'maybe', extraConnections: '[' }),
      )
    expect(read).toThrow('minTasks must be a number (got "two").')
    expect(read).toThrow('deletionProtection must be true or false (got "maybe").')
    expect(read).toThrow('extraConnections must be a JSON array of connections.')
  })
})
