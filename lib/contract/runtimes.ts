/** OCI runtimes `agent-perimeter local` can run agents under ("runsc" is gVisor). */
export const LOCAL_RUNTIMES = ['runc', 'runsc'] as const;
export type LocalRuntime = (typeof LOCAL_RUNTIMES)[number];

/**
 * How the GCP program runs agent profiles: Cloud Run services (gen1, gVisor), jobs (gen2),
 * both, or none.
 */
export const GCP_AGENT_RUNTIMES = ['service', 'job', 'both', 'none'] as const;
export type GcpAgentRuntime = (typeof GCP_AGENT_RUNTIMES)[number];
