// Alarms: the few signals that mean users cannot log in (5xx, slow answers, unhealthy tasks) or soon will
// not (database CPU, free storage of a fixed-size database), optionally mailed through an SNS topic.
import { Duration } from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions'
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import * as sns from 'aws-cdk-lib/aws-sns'
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions'
import { Construct } from 'constructs'
import type { Database } from './database'

export interface AlarmsProps {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer
  readonly targetGroup: elbv2.ApplicationTargetGroup
  /** Its CPU, and its free storage when it has a fixed size (alarmed below a tenth). */
  readonly database: Database
  /**
   * Where alarm notifications are mailed (the address confirms the subscription first).
   * @default - no topic; the alarms only show in the CloudWatch console
   */
  readonly alarmEmail?: string
  /** @default 5 (percent of requests answered with a 5xx over 5 minutes) */
  readonly max5xxPercent?: number
  /** @default Duration.seconds(2) */
  readonly maxP99Latency?: Duration
}

export class Alarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = []
  readonly topic?: sns.Topic

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id)
    const { loadBalancer: alb, targetGroup: tg, database: db } = props
    const period = Duration.minutes(5)
    const sum = { statistic: 'Sum', period }

    const alarm = (
      alarmId: string,
      description: string,
      options: Omit<cloudwatch.AlarmProps, 'alarmDescription'>,
    ) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      })
      this.alarms.push(created)
    }

    alarm('Http5xxRate', 'More than the allowed share of requests failed with a 5xx', {
      metric: new cloudwatch.MathExpression({
        // Periods without a 5xx have no datapoint at all; FILL keeps them from hiding the others.
        expression: 'IF(requests > 0, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests, 0)',
        usingMetrics: {
          elb5xx: alb.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, sum),
          target5xx: tg.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, sum),
          requests: alb.metrics.requestCount(sum),
        },
        period,
        label: '5xx %',
      }),
      threshold: props.max5xxPercent ?? 5,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    })
    alarm('TargetP99Latency', 'The slowest 1% of answers take too long', {
      metric: tg.metrics.targetResponseTime({ statistic: 'p99', period }),
      threshold: (props.maxP99Latency ?? Duration.seconds(2)).toSeconds(),
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    })
    alarm('UnhealthyTargets', 'A task fails its /healthz health check', {
      metric: tg.metrics.unhealthyHostCount({ statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    })
    alarm('DatabaseCpu', 'The database CPU is busy enough to slow every login', {
      metric: db.cpuMetric,
      threshold: 80,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    })
    if (db.freeStorage)
      alarm('DatabaseFreeStorage', 'Less than a tenth of the database storage is free', {
        metric: db.freeStorage.metric,
        threshold: db.freeStorage.sizeGiB * 0.1 * 1024 ** 3,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      })

    if (props.alarmEmail) {
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: 'WeChat login alarms',
        enforceSSL: true,
      })
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail))
      for (const a of this.alarms) {
        a.addAlarmAction(new actions.SnsAction(this.topic))
        a.addOkAction(new actions.SnsAction(this.topic))
      }
    }
  }
}
