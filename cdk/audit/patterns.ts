import { ACCESS_LOG_FIELD_NAMES, DENY_PREFIX, REFUSALS } from '../../lib/proxy-contract.js';
import { AuditLoggingError } from './errors.js';

/*
 * CloudWatch Logs filter patterns for the audit alarms, built from the contracts the logs
 * follow: the proxy's JSON access-log fields, the flow log's custom format, Route 53 Resolver's
 * query-log JSON. Pure functions; tokens (subnet ids) pass through as strings.
 */

function accessLogField(name: string): string {
  if (!ACCESS_LOG_FIELD_NAMES.includes(name)) {
    throw new AuditLoggingError(
      `the proxy access log has no "${name}" field (lib/proxy-contract.ts ACCESS_LOG_FORMATS), which the audit alarms filter on. Fix: keep the field in the access-log contract or update the audit patterns.`,
    );
  }
  return name;
}

/**
 * Everything the proxy refused, on any kind of line: one clause per distinct (field, value) of
 * the refusal table in the access-log contract, so a new refusal cannot be missed here.
 */
export function deniedRequestsPattern(): string {
  // Every refusal name starts with DENY_PREFIX, so one prefix match per field covers them all
  // (filter patterns are limited to 1,024 characters).
  const covering = (value: string) => {
    const at = value.indexOf(DENY_PREFIX);
    return at < 0 ? value : `${value.slice(0, at + DENY_PREFIX.length)}*`;
  };
  const clauses = [
    ...new Set(REFUSALS.map((r) => `$.${accessLogField(r.field)} = "${covering(r.value)}"`)),
  ];
  return `{ ${clauses.map((c) => `(${c})`).join(' || ')} }`;
}

/** Responses with a 5xx status (upstream failures, overload, timeouts). */
export function proxyServerErrorsPattern(): string {
  return `{ $.${accessLogField('response_code')} >= 500 }`;
}

/** Queries the DNS firewall answered with its BLOCK rule (NXDOMAIN). */
export function blockedDnsQueriesPattern(): string {
  return '{ $.firewall_rule_action = "BLOCK" }';
}

/**
 * Field names of a custom flow-log format (`${version} ${subnet-id} ...`), as the filter
 * pattern's column names (`subnet_id`).
 */
export function flowLogFields(logFormat: string): string[] {
  const fields = logFormat.trim().split(/\s+/);
  return fields.map((field) => {
    const match = /^\$\{([a-z0-9-]+)\}$/.exec(field);
    if (match?.[1] === undefined) {
      throw new AuditLoggingError(
        `the flow log format contains "${field}", not a \${field} placeholder. Fix: use a custom flow-log format of space-separated fields such as "\${srcaddr} \${action}".`,
      );
    }
    return match[1].replace(/-/g, '_');
  });
}

/**
 * Flows rejected by a security group or NACL, leaving an agent subnet: an agent trying to get
 * out other than through the proxy (an IP literal, another port, UDP/QUIC, a neighbour). The
 * flow log records the subnet of the interface it was captured on, so `subnet-id` in the
 * agent subnets with `flow-direction` egress means "sent by an agent task". Needs `subnet-id`
 * and `action` in the format; `flow-direction` narrows it to egress when present.
 */
export function rejectedAgentFlowsPattern(
  logFormat: string,
  agentSubnetIds: readonly string[],
): string {
  const fields = flowLogFields(logFormat);
  const missing = ['subnet_id', 'action'].filter((f) => !fields.includes(f));
  if (missing.length > 0) {
    throw new AuditLoggingError(
      `the flow log format lacks ${missing.map((f) => `\${${f.replace(/_/g, '-')}}`).join(' and ')}, which the rejected-flows alarm needs to tell agent traffic apart. Fix: add them to the flow log's custom format.`,
    );
  }
  if (agentSubnetIds.length === 0) {
    throw new AuditLoggingError(
      "no agent subnets were given for the rejected-flows alarm. Fix: pass the network's agentSubnets.",
    );
  }
  const columns = fields.map((field) => {
    if (field === 'subnet_id') {
      return agentSubnetIds.map((id) => `subnet_id = "${id}"`).join(' || ');
    }
    if (field === 'action') return 'action = "REJECT"';
    if (field === 'flow_direction') return 'flow_direction = "egress"';
    return field;
  });
  return `[${columns.join(', ')}]`;
}
