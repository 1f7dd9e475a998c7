/*
 * The test world's address plan: TEST-NET and documentation addresses only, each assigned
 * inside namespaces the test creates. Nothing here is routed anywhere else.
 */

/** The "agent subnet": probe namespaces get .10 and up; the world's bridge is the rest. */
export const AGENT_NET = '198.51.100.0/24';
/** The test proxy (forward listeners and base-URL listeners). */
export const PROXY = '198.51.100.1';
/** The perimeter's own resolver: answers the allowlist, NXDOMAIN for everything else. */
export const FILTERING_RESOLVER = '198.51.100.53';
/** A resolver that answers every name (and logs what it was asked). */
export const LEAKY_RESOLVER = '198.51.100.54';
export const AGENT_NET6 = '2001:db8:100::/64';
export const BRIDGE6 = '2001:db8:100::1';

/** "The internet": a host that answers on TCP 443/80/22, UDP 53/123/443 and DNS over TCP. */
export const PUBLIC4 = '192.0.2.10';
export const PUBLIC6 = '2001:db8:1::10';
/** The allowed host and a denied one, both real TLS servers (certificates from a test CA). */
export const ALLOWED_IP = '203.0.113.10';
export const DENIED_IP = '203.0.113.20';
/** A metadata-like endpoint that hands out a (fake) credential. */
export const METADATA_IP = '203.0.113.254';

export const ALLOWED_HOST = 'allowed.test';
export const DENIED_HOST = 'denied.test';
export const CANARY_DOMAIN = 'canary.test';

/** Forward-proxy ports of the test proxy, one per behaviour. */
export const PROXY_PORTS = {
  /** Allowlist, SNI must equal the CONNECT host, tunnels without TLS closed (Envoy's design). */
  strict: 3128,
  /** Allowlist only: the SNI inside a tunnel is not checked. */
  noSniCheck: 3129,
  /** Every CONNECT accepted (the allowlist is not enforced); SNI still checked. */
  open: 3130,
  /** Nothing listens here: the proxy is down. */
  down: 3199,
} as const;

/** Base-URL listeners: one that injects the key and forwards, one whose upstream is down. */
export const INJECT_PORT = 8081;
export const FAILING_INJECT_PORT = 8082;

/** The name of the test policy, as the proxy's refusals name it. */
export const POLICY_NAME = 'probe-test';
