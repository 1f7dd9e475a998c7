/*
 * Where a GCP proxy instance's boot document (cloud-init user-data) puts what identifies the
 * proxy: pulumi/ writes these files, the verifier reads the config and the image back.
 */

export const GCP_BOOT_FILES = {
  /** The rendered Envoy bootstrap (compact JSON). */
  config: '/etc/agent-perimeter/envoy.json',
  /** The systemd unit whose ExecStart runs the Envoy container. */
  unit: '/etc/systemd/system/agent-perimeter-envoy.service',
} as const;

/** The launcher's path inside the Envoy container: `docker run ... IMAGE <this> ARGS`. */
export const CONTAINER_LAUNCHER_PATH = '/etc/envoy/agent-perimeter-launch.sh';
