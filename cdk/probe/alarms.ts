import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { OUTCOMES, type Outcome } from '../../lib/probe/report.js';
import { probeMetricName, probeOutcomePattern, probeRunPattern } from './patterns.js';

export interface ProbeAlarmsProps {
  readonly logGroup: logs.ILogGroup;
  readonly namespace: string;
  readonly topic: sns.ITopic;
  /** Minutes between scheduled probe runs: the alarms' period. */
  readonly everyMinutes: number;
}

const DESCRIPTIONS: Readonly<Record<'escape' | 'broken', string>> = {
  escape:
    'The egress probe got out of the agent tier by a path that must be closed. Treat it as an incident: see docs/runbook.md "Probe reports" (what to do on escape).',
  broken:
    'The egress probe could not use a path that must work (the proxy, an allowed host or a base-URL listener). Agents are likely failing too. See docs/runbook.md "Probe reports".',
};

/**
 * One metric per outcome (checks per run), counted from the probe's log; alarms on any
 * `escape` and any `broken`, evaluated over one schedule interval so they stay raised until
 * a later run comes back clean, and one when no run reported for two intervals.
 */
export class ProbeAlarms extends Construct {
  readonly metricFilters: Readonly<Record<string, logs.MetricFilter>>;
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: ProbeAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(props.everyMinutes);
    const filter = (name: string, pattern: string) =>
      new logs.MetricFilter(this, `${name}Filter`, {
        logGroup: props.logGroup,
        filterPattern: logs.FilterPattern.literal(pattern),
        metricNamespace: props.namespace,
        metricName: name,
        metricValue: '1',
        defaultValue: 0,
        unit: cloudwatch.Unit.COUNT,
      });
    const filters: Record<string, logs.MetricFilter> = {};
    for (const outcome of OUTCOMES) {
      filters[probeMetricName(outcome)] = filter(
        probeMetricName(outcome),
        probeOutcomePattern(outcome),
      );
    }
    filters.ProbeRuns = filter('ProbeRuns', probeRunPattern());
    const alarm = (name: string, inputs: Omit<cloudwatch.AlarmProps, 'actionsEnabled'>) => {
      const a = new cloudwatch.Alarm(this, name, inputs);
      a.addAlarmAction(new cwActions.SnsAction(props.topic));
      a.addOkAction(new cwActions.SnsAction(props.topic));
      return a;
    };
    const alarms: Record<string, cloudwatch.Alarm> = {};
    for (const outcome of ['escape', 'broken'] as const satisfies readonly Outcome[]) {
      const name = probeMetricName(outcome);
      alarms[name] = alarm(`${name}Alarm`, {
        alarmDescription: DESCRIPTIONS[outcome],
        metric: (filters[name] as logs.MetricFilter).metric({
          statistic: cloudwatch.Stats.SUM,
          period,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // An interval without a run keeps the state: only a clean run clears the alarm.
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      });
    }
    alarms.ProbeMissing = alarm('ProbeMissingAlarm', {
      alarmDescription:
        'No egress probe run reported for two schedule intervals (one for a daily probe): the schedule, the task or its log delivery is failing, so nothing proves containment right now. See docs/runbook.md "Probe reports".',
      metric: (filters.ProbeRuns as logs.MetricFilter).metric({
        statistic: cloudwatch.Stats.SUM,
        period,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // CloudWatch evaluates at most one day: a daily probe is missed after one interval.
      evaluationPeriods: props.everyMinutes * 2 <= 1440 ? 2 : 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.metricFilters = filters;
    this.alarms = alarms;
  }
}
