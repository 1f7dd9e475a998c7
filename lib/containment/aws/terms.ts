import { TIER_TAG, Tier } from '../../contract/tiers.js';
import { FIREWALL_CHANNELS, type Terms } from '../terms.js';

/** The words AWS findings use. */
export const AWS_TERMS: Terms = {
  group: 'security group',
  acl: 'network ACL',
  network: 'VPC',
  routeTable: 'route table',
  declaredAgent: `it is tagged ${TIER_TAG}=${Tier.AGENT}`,
  dnsFilter: 'DNS firewall rule group',
  dnsFilterAssociation: 'DNS firewall rule group association',
  dnsFilterFix: 'associate a rule group that allows the allowlist and then blocks "*"',
  dnsCatchAllFix:
    'add a last rule that BLOCKs a domain list containing only "*" (no query type filter)',
  dnsResolver: "the provider's resolver (AmazonProvidedDNS)",
  proxyDefinition: 'task definition',
  principal: 'task role',
  channels: FIREWALL_CHANNELS,
};
