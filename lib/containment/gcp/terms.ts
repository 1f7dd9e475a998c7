import { FIREWALL_CHANNELS, type Terms } from '../terms.js';

/** The words GCP findings use. */
export const GCP_TERMS: Terms = {
  group: 'firewall target',
  acl: 'subnet ACL',
  network: 'VPC network',
  routeTable: 'routing table',
  declaredAgent: 'every Cloud Run service and job of the perimeter runs an agent',
  dnsFilter: 'DNS response policy',
  dnsFilterAssociation: 'DNS response policy',
  dnsFilterFix:
    'bind a response policy whose rules let only the allowlisted names bypass it and answer "*." locally',
  dnsCatchAllFix: 'add a rule for "*." that answers with local data (e.g. A 0.0.0.0)',
  dnsResolver: 'Cloud DNS (the metadata server, 169.254.169.254)',
  proxyDefinition: 'instance template',
  principal: 'service account',
  channels: FIREWALL_CHANNELS,
};
