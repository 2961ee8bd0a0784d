// Static host: a private bucket behind the distribution (Origin Access Control) serving WeChat's
// business-domain verification file at the domain root and the pages of `site/` under /site/.
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib'
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront'
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins'
import * as s3 from 'aws-cdk-lib/aws-s3'
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment'
import * as cr from 'aws-cdk-lib/custom-resources'
import { Construct } from 'constructs'
import { regionalName } from './edge'
import { acknowledgeCustomResourceProvider } from './nag'

/** Paths the distribution sends to the bucket instead of the API. */
export const VERIFICATION_PATH_PATTERN = '/*.txt'
export const SITE_PATH_PATTERN = '/site/*'

export interface StaticHostProps {
  /** The distribution whose domain WeChat verifies; the host adds its behaviors to it. */
  readonly distribution: cloudfront.Distribution
  /** Local folder whose files are published under `/site/`. */
  readonly siteDirectory: string
  /** The verification file's name as WeChat gives it, e.g. `AbC123.txt`; case matters. */
  readonly verificationFileName: string
  /** The file's exact content (32 hex characters), served as text/plain with nothing added. */
  readonly verificationFileContent: string
}

export class StaticHost extends Construct {
  readonly bucket: s3.Bucket

  constructor(scope: Construct, id: string, props: StaticHostProps) {
    super(scope, id)
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // Everything here is rebuilt by a deploy.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    })
    const origin = origins.S3BucketOrigin.withOriginAccessControl(this.bucket, {
      originAccessControl: new cloudfront.S3OriginAccessControl(this, 'Oac', {
        originAccessControlName: regionalName(this, 'static'),
      }),
    })
    const behavior = {
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
    }
    // WeChat re-checks the file when the business domain is saved; a stale copy would fail that check.
    props.distribution.addBehavior(VERIFICATION_PATH_PATTERN, origin, {
      ...behavior,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
    })
    props.distribution.addBehavior(SITE_PATH_PATTERN, origin, {
      ...behavior,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      compress: true,
    })

    const site = new s3deploy.BucketDeployment(this, 'Site', {
      sources: [s3deploy.Source.asset(props.siteDirectory)],
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'site/',
      distribution: props.distribution,
      distributionPaths: [SITE_PATH_PATTERN],
    })

    // The file name comes from a deploy-time parameter, and BucketDeployment names files at synth time
    // (its markers substitute content only), so the object is written with one S3 call instead.
    const key = props.verificationFileName
    const object = { Bucket: this.bucket.bucketName, Key: key }
    const put = {
      service: 'S3',
      action: 'putObject',
      parameters: {
        ...object,
        Body: props.verificationFileContent,
        ContentType: 'text/plain',
        CacheControl: 'no-cache',
      },
      physicalResourceId: cr.PhysicalResourceId.of(key),
    }
    new cr.AwsCustomResource(this, 'VerificationFile', {
      onCreate: put,
      onUpdate: put,
      onDelete: { service: 'S3', action: 'deleteObject', parameters: object },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({
        resources: [this.bucket.arnForObjects(key)],
      }),
      installLatestAwsSdk: false,
    })

    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'The bucket holds only public, deploy-generated files that CloudFront alone reads.',
    })
    // BucketDeployment's role copies from the CDK asset bucket into this bucket with s3:*Object* style
    // actions; each wildcard is acknowledged exactly, as cdk-nag reports it.
    const bucketArn = `<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>`
    for (const finding of [
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
      `Resource::${bucketArn}/*`,
      'Resource::*',
    ])
      Validations.of(site.handlerRole).acknowledge({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason:
          'aws-cdk-lib grants BucketDeployment these to copy the site from the asset bucket and invalidate it.',
      })
    acknowledgeCustomResourceProvider(this)
  }
}
