import {
  FlowLog,
  FlowLogDestination,
  FlowLogMaxAggregationInterval,
  FlowLogResourceType,
  FlowLogTrafficType,
  type IVpc,
  LogFormat,
} from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DnsQueryLogging } from './dns-firewall.js';
import { allowCloudWatchLogs, createLogKey, encryptedLogGroup, flowLogRole } from './logging.js';

/** VPC flow log fields: who talked to whom, on which port, through which interface and task, verdict. */
const FLOW_LOG_FORMAT = [
  LogFormat.VERSION,
  LogFormat.ACCOUNT_ID,
  LogFormat.VPC_ID,
  LogFormat.SUBNET_ID,
  LogFormat.INTERFACE_ID,
  LogFormat.TRAFFIC_TYPE,
  LogFormat.SRC_ADDR,
  LogFormat.SRC_PORT,
  LogFormat.DST_ADDR,
  LogFormat.DST_PORT,
  LogFormat.PKT_SRC_ADDR,
  LogFormat.PKT_DST_ADDR,
  LogFormat.PROTOCOL,
  LogFormat.TCP_FLAGS,
  LogFormat.PACKETS,
  LogFormat.BYTES,
  LogFormat.START_TIMESTAMP,
  LogFormat.END_TIMESTAMP,
  LogFormat.ACTION,
  LogFormat.FLOW_DIRECTION,
  LogFormat.TRAFFIC_PATH,
  LogFormat.PKT_DST_AWS_SERVICE,
  LogFormat.LOG_STATUS,
  // Which ECS task sent it (v7 fields): attribution without an address lookup, and the
  // rejected-flows alarm leaves out the egress probe's task definition by it.
  LogFormat.ECS_TASK_ID,
  LogFormat.ECS_TASK_DEFINITION_ARN,
];

export interface NetworkLogsInput {
  readonly vpc: IVpc;
  /** Encrypts both log groups; a new key (`LogKey`) when undefined. */
  readonly logKey: IKey | undefined;
  readonly retention: RetentionDays;
}

export interface NetworkLogs {
  readonly logKey: IKey;
  readonly flowLogGroup: LogGroup;
  readonly flowLog: FlowLog;
  readonly dnsQueryLogGroup: LogGroup;
  readonly dnsQueryLogging: DnsQueryLogging;
}

/** The VPC's flow logs (all traffic) and DNS query logs, in KMS-encrypted log groups. */
export function createNetworkLogs(scope: Construct, input: NetworkLogsInput): NetworkLogs {
  let logKey: IKey;
  if (input.logKey === undefined) {
    logKey = createLogKey(scope, 'LogKey');
  } else {
    logKey = input.logKey;
    allowCloudWatchLogs(scope, input.logKey);
  }
  const flowLogGroup = encryptedLogGroup(scope, 'FlowLogGroup', logKey, input.retention);
  const flowLogAccess = flowLogRole(scope, 'FlowLogRole', flowLogGroup);
  const flowLog = new FlowLog(scope, 'FlowLog', {
    resourceType: FlowLogResourceType.fromVpc(input.vpc),
    destination: FlowLogDestination.toCloudWatchLogs(flowLogGroup, flowLogAccess.role),
    trafficType: FlowLogTrafficType.ALL,
    logFormat: FLOW_LOG_FORMAT,
    maxAggregationInterval: FlowLogMaxAggregationInterval.ONE_MINUTE,
  });
  // Deliver from the first minute: the role's policy exists before the flow log.
  flowLog.node.addDependency(flowLogAccess.policy);
  const dnsQueryLogGroup = encryptedLogGroup(scope, 'DnsQueryLogGroup', logKey, input.retention);
  const dnsQueryLogging = new DnsQueryLogging(scope, 'DnsQueryLogging', {
    vpcId: input.vpc.vpcId,
    logGroup: dnsQueryLogGroup,
  });
  return { logKey, flowLogGroup, flowLog, dnsQueryLogGroup, dnsQueryLogging };
}
