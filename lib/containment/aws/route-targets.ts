import type { RouteTargetKind } from '../model.js';

/** A target property of `AWS::EC2::Route` (other than `GatewayId`), what it is and how to name it. */
export interface RouteTargetProperty {
  readonly property: string;
  readonly kind: RouteTargetKind;
  /** A word for messages: "NAT gateway nat-0a1b...". */
  readonly word: string;
}

/**
 * The route target properties besides `GatewayId` (whose kind depends on what it names), in the
 * order they are read: the template adapter classifies routes by them and the describe snapshot
 * writes its routes with them.
 */
export const ROUTE_TARGETS: readonly RouteTargetProperty[] = [
  { property: 'NatGatewayId', kind: 'nat-gateway', word: 'NAT gateway' },
  { property: 'TransitGatewayId', kind: 'transit-gateway', word: 'transit gateway' },
  { property: 'VpcPeeringConnectionId', kind: 'peering', word: 'VPC peering connection' },
  {
    property: 'EgressOnlyInternetGatewayId',
    kind: 'egress-only-internet-gateway',
    word: 'egress-only internet gateway',
  },
  { property: 'InstanceId', kind: 'instance', word: 'instance' },
  { property: 'NetworkInterfaceId', kind: 'network-interface', word: 'network interface' },
  { property: 'VpcEndpointId', kind: 'firewall-endpoint', word: 'Gateway Load Balancer endpoint' },
  { property: 'CarrierGatewayId', kind: 'carrier-gateway', word: 'carrier gateway' },
  { property: 'LocalGatewayId', kind: 'local-gateway', word: 'local gateway' },
  { property: 'CoreNetworkArn', kind: 'core-network', word: 'Cloud WAN core network' },
];
