import type * as pulumi from '@pulumi/pulumi';

/*
 * Deterministic Pulumi mocks for the Google provider: ids, self links, emails and other
 * computed outputs follow the provider's real formats (e.g. a network's id is
 * "projects/<p>/global/networks/<name>"), so references in an offline plan read like the
 * ones in `pulumi stack export`, and the same plan comes out of every run.
 */

const COMPUTE = 'https://www.googleapis.com/compute/v1/';

/** Compute Engine collections: type token -> path under the project (R = region). */
const COMPUTE_PATHS: Readonly<Record<string, string>> = {
  'gcp:compute/network:Network': 'global/networks',
  'gcp:compute/subnetwork:Subnetwork': 'regions/R/subnetworks',
  'gcp:compute/route:Route': 'global/routes',
  'gcp:compute/firewall:Firewall': 'global/firewalls',
  'gcp:compute/router:Router': 'regions/R/routers',
  'gcp:compute/address:Address': 'regions/R/addresses',
  'gcp:compute/instanceTemplate:InstanceTemplate': 'global/instanceTemplates',
  'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager':
    'regions/R/instanceGroupManagers',
  'gcp:compute/regionAutoscaler:RegionAutoscaler': 'regions/R/autoscalers',
  'gcp:compute/regionHealthCheck:RegionHealthCheck': 'regions/R/healthChecks',
  'gcp:compute/healthCheck:HealthCheck': 'global/healthChecks',
  'gcp:compute/regionBackendService:RegionBackendService': 'regions/R/backendServices',
  'gcp:compute/forwardingRule:ForwardingRule': 'regions/R/forwardingRules',
  'gcp:compute/networkFirewallPolicy:NetworkFirewallPolicy': 'global/firewallPolicies',
};

type State = Record<string, unknown>;

const str = (value: unknown, fallback: string): string =>
  typeof value === 'string' && value !== '' ? value : fallback;

/** The mock id and output state of one resource. Exported for tests. */
export function mockResource(
  type: string,
  logicalName: string,
  inputs: State,
  defaults: { readonly project: string; readonly region: string },
): { id: string; state: State } {
  const project = str(inputs.project, defaults.project);
  const region = str(inputs.region ?? inputs.location, defaults.region);
  const name = str(inputs.name, logicalName);
  const base: State = { ...inputs, project };
  const computePath = COMPUTE_PATHS[type];
  if (computePath !== undefined) {
    const resourceName =
      type === 'gcp:compute/instanceTemplate:InstanceTemplate' && inputs.name === undefined
        ? `${str(inputs.namePrefix, `${logicalName}-`)}mock`
        : name;
    const id = `projects/${project}/${computePath.replace('R', region)}/${resourceName}`;
    const state: State = { ...base, name: resourceName, selfLink: `${COMPUTE}${id}` };
    if (computePath.startsWith('regions/')) state.region = region;
    if (type === 'gcp:compute/instanceTemplate:InstanceTemplate') {
      state.selfLinkUnique = `${COMPUTE}${id}?uniqueId=0`;
    }
    if (type === 'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager') {
      state.instanceGroup = `${COMPUTE}projects/${project}/regions/${region}/instanceGroups/${name}`;
    }
    if (type === 'gcp:compute/address:Address') {
      state.address = str(inputs.address, '10.0.0.100');
    }
    return { id, state };
  }
  const simple = (id: string, extra: State = {}) => ({
    id,
    state: { ...base, ...extra, name: str(extra.name ?? inputs.name, name) },
  });
  switch (type) {
    case 'gcp:compute/routerNat:RouterNat':
      return simple(`${project}/${region}/${str(inputs.router, 'router')}/${name}`, { region });
    case 'gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule':
      return simple(
        `projects/${project}/global/firewallPolicies/${str(inputs.firewallPolicy, 'policy')}/rules/${String(inputs.priority)}`,
      );
    case 'gcp:compute/networkFirewallPolicyAssociation:NetworkFirewallPolicyAssociation':
      return simple(
        `projects/${project}/global/firewallPolicies/${str(inputs.firewallPolicy, 'policy').split('/').pop()}/associations/${name}`,
      );
    case 'gcp:serviceaccount/account:Account': {
      const email = `${str(inputs.accountId, logicalName)}@${project}.iam.gserviceaccount.com`;
      const id = `projects/${project}/serviceAccounts/${email}`;
      return simple(id, { email, member: `serviceAccount:${email}`, name: id, uniqueId: '0' });
    }
    case 'gcp:projects/iAMMember:IAMMember':
      return simple(`${project}/${String(inputs.role)}/${String(inputs.member)}`);
    case 'gcp:secretmanager/secretIamMember:SecretIamMember':
      return simple(
        `projects/${project}/secrets/${String(inputs.secretId)}/${String(inputs.role)}/${String(inputs.member)}`,
      );
    case 'gcp:projects/iAMAuditConfig:IAMAuditConfig':
      return simple(`${project}/${String(inputs.service)}`);
    case 'gcp:dns/managedZone:ManagedZone':
      return simple(`projects/${project}/managedZones/${name}`);
    case 'gcp:dns/recordSet:RecordSet':
      return simple(
        `projects/${project}/managedZones/${String(inputs.managedZone)}/rrsets/${String(inputs.name)}/${String(inputs.type)}`,
      );
    case 'gcp:dns/responsePolicy:ResponsePolicy':
      return simple(`projects/${project}/responsePolicies/${String(inputs.responsePolicyName)}`);
    case 'gcp:dns/responsePolicyRule:ResponsePolicyRule':
      return simple(
        `projects/${project}/responsePolicies/${String(inputs.responsePolicy)}/rules/${String(inputs.ruleName)}`,
      );
    case 'gcp:dns/policy:Policy':
      return simple(`projects/${project}/policies/${name}`);
    case 'gcp:cloudrunv2/service:Service':
      return simple(`projects/${project}/locations/${region}/services/${name}`, {
        uri: `https://${name}-mock.a.run.app`,
      });
    case 'gcp:cloudrunv2/job:Job':
      return simple(`projects/${project}/locations/${region}/jobs/${name}`);
    case 'gcp:cloudrunv2/jobIamMember:JobIamMember':
      return simple(
        `projects/${project}/locations/${region}/jobs/${String(inputs.name)}/${String(inputs.role)}/${String(inputs.member)}`,
      );
    case 'gcp:cloudscheduler/job:Job':
      return simple(`projects/${project}/locations/${region}/jobs/${name}`);
    case 'gcp:logging/metric:Metric':
      return simple(name);
    case 'gcp:monitoring/alertPolicy:AlertPolicy':
      return simple(`projects/${project}/alertPolicies/${logicalName}`);
    case 'gcp:logging/projectBucketConfig:ProjectBucketConfig': {
      const id = `projects/${project}/locations/${region}/buckets/${String(inputs.bucketId)}`;
      return simple(id, { name: id });
    }
    case 'gcp:logging/projectSink:ProjectSink':
      return simple(`projects/${project}/sinks/${name}`, {
        writerIdentity: 'serviceAccount:service-0@gcp-sa-logging.iam.gserviceaccount.com',
      });
    default:
      return simple(`${logicalName}-id`);
  }
}

/** Mocks for `pulumi.runtime.setMocks`, with `project` and `region` as provider defaults. */
export function gcpMocks(defaults: {
  readonly project: string;
  readonly region: string;
}): pulumi.runtime.Mocks {
  return {
    newResource: (args) => mockResource(args.type, args.name, args.inputs as State, defaults),
    call: () => ({}),
  };
}
