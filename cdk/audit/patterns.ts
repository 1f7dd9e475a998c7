import type { ProbeSignature } from '../../lib/probe/signature.js';
import {
  ACCESS_LOG_FIELD_NAMES,
  DENY_PREFIX,
  REFUSALS,
  type Refusal,
} from '../../lib/proxy-contract.js';
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

/** CloudWatch Logs refuses filter patterns longer than this. */
export const MAX_FILTER_PATTERN_LENGTH = 1024;

const quote = (value: string) => `"${value.replace(/(["\\])/g, '\\$1')}"`;

/** `$.f != "a" && $.f != "b"`: true when `field` (present on the line) is none of `values`. */
const noneOf = (field: string, values: readonly string[]) =>
  values.map((v) => `$.${accessLogField(field)} != ${quote(v)}`).join(' && ');

/**
 * The clause that keeps a refusal of one field unless it is the probe's. The probe's profile
 * is compared first, so other profiles are never affected; the destination fields compared
 * are ones every line of that refusal carries (`authority` on lines with `route_name` or
 * `response_code_details`, `sni` and `listener` on `tunnel` lines), because a comparison on a
 * field a line lacks never matches and would drop the line.
 */
function notProbe(field: Refusal['field'], probe: ProbeSignature['proxy']): string | undefined {
  const profile = `$.${accessLogField('profile')} != ${quote(probe.profile)}`;
  if (field === 'filter_chain') {
    const parts: string[] = [];
    if (probe.sniMismatch.length > 0) {
      parts.push(
        `$.filter_chain != "${DENY_PREFIX}sni_mismatch" || (${noneOf('sni', probe.sniMismatch)})`,
      );
    }
    if (probe.notTlsListeners.length > 0) {
      parts.push(
        `$.filter_chain != "${DENY_PREFIX}not_tls" || (${noneOf('listener', probe.notTlsListeners)})`,
      );
    }
    return parts.length === 0
      ? undefined
      : `${profile} || (${parts.map((x) => `(${x})`).join(' && ')})`;
  }
  if (field === 'route_name' && probe.authorities.length > 0) {
    return `${profile} || (${noneOf('authority', probe.authorities)})`;
  }
  return undefined;
}

/**
 * Everything the proxy refused, on any kind of line: one clause per distinct (field, value) of
 * the refusal table in the access-log contract, so a new refusal cannot be missed here. With
 * `probe`, the refusals the egress probe causes on every run (its profile, at the exact
 * destinations it must be refused at) are left out, so the alarm means an agent was refused.
 */
export function deniedRequestsPattern(probe?: ProbeSignature): string {
  // Every refusal name starts with DENY_PREFIX, so one prefix match per field covers them all
  // (filter patterns are limited to 1,024 characters).
  const covering = (value: string) => {
    const at = value.indexOf(DENY_PREFIX);
    return at < 0 ? value : `${value.slice(0, at + DENY_PREFIX.length)}*`;
  };
  const clauses = [
    ...new Set(
      REFUSALS.map((r) => {
        const match = `$.${accessLogField(r.field)} = "${covering(r.value)}"`;
        const keep = probe === undefined ? undefined : notProbe(r.field, probe.proxy);
        return keep === undefined ? match : `${match} && (${keep})`;
      }),
    ),
  ];
  return checkedLength(`{ ${clauses.map((c) => `(${c})`).join(' || ')} }`, 'refused-requests');
}

function checkedLength(pattern: string, what: string): string {
  if (pattern.length > MAX_FILTER_PATTERN_LENGTH) {
    throw new AuditLoggingError(
      `the ${what} alarm's filter pattern is ${pattern.length} characters; CloudWatch Logs accepts at most ${MAX_FILTER_PATTERN_LENGTH}. Fix: give the egress probe shorter or fewer refused targets (denied_host, public_ipv4[0], public_ipv6[0], denied_name).`,
    );
  }
  return pattern;
}

/** Responses with a 5xx status (upstream failures, overload, timeouts). */
export function proxyServerErrorsPattern(): string {
  return `{ $.${accessLogField('response_code')} >= 500 }`;
}

/**
 * Queries the DNS firewall answered with its BLOCK rule (NXDOMAIN). With `probe`, the names the
 * egress probe must see blocked (its denied name, its per-run canary subdomains) are left out;
 * every query-log line has `query_name`, so the exclusion never drops another line.
 */
export function blockedDnsQueriesPattern(probe?: ProbeSignature): string {
  const block = '$.firewall_rule_action = "BLOCK"';
  if (probe === undefined) return `{ ${block} }`;
  const excluded = [
    ...probe.blockedNames.map((n) => `$.query_name != ${quote(n)}`),
    ...probe.blockedDomains.map((d) => `$.query_name != ${quote(`*.${d}.`)}`),
  ];
  return checkedLength(`{ ${[block, ...excluded].join(' && ')} }`, 'blocked-DNS-queries');
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
  excludeTaskFamilies: readonly string[] = [],
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
  if (excludeTaskFamilies.length > 0 && !fields.includes('ecs_task_definition_arn')) {
    throw new AuditLoggingError(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the flow log format's own field syntax, quoted.
      "the flow log format lacks ${ecs-task-definition-arn}, which the rejected-flows alarm needs to leave the egress probe out. Fix: add it to the flow log's custom format.",
    );
  }
  const columns = fields.map((field) => {
    if (field === 'ecs_task_definition_arn' && excludeTaskFamilies.length > 0) {
      // The probe's own task definition: agents cannot run under it. Interfaces that are not
      // ECS tasks, or a field AWS leaves "-", never match "*/family:*", so they still count.
      return excludeTaskFamilies
        .map((family) => `ecs_task_definition_arn != "*/${family}:*"`)
        .join(' && ');
    }
    if (field === 'subnet_id') {
      return agentSubnetIds.map((id) => `subnet_id = "${id}"`).join(' || ');
    }
    if (field === 'action') return 'action = "REJECT"';
    if (field === 'flow_direction') return 'flow_direction = "egress"';
    return field;
  });
  return `[${columns.join(', ')}]`;
}
