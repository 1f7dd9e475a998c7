// biome-ignore-all lint/suspicious/noTemplateCurlyInString: this file writes bash, where ${VAR} is shell syntax, not a JS placeholder.
import { ADMIN_PORT } from './proxy-contract.js';

/*
 * How every platform starts Envoy: through this launcher, in the Envoy container itself.
 * Envoy exits at once on SIGTERM (no draining), uses a credential value verbatim (a trailing
 * newline breaks the header silently), and prints request headers, injected credentials
 * included, at debug and trace level. The launcher closes those gaps before and around Envoy:
 *
 * - it refuses to start when a credential is empty, holds a line break or surrounding
 *   whitespace (a clear log line naming the variable or file, never the value);
 * - it refuses debug and trace log levels and per-component log levels;
 * - on SIGTERM it fails Envoy's health check and drains its listeners through the admin
 *   interface on 127.0.0.1 (never reachable from agents), waits a bounded time, then stops
 *   Envoy; the container's stop timeout is longer than that.
 *
 * Plain bash with its built-in /dev/tcp: the official envoyproxy/envoy image has bash and
 * coreutils but no curl (the -distroless image has no shell and cannot run it).
 */

/** Exit codes: 78 (EX_CONFIG) for refusals before start, 64 (EX_USAGE) for bad arguments. */
export const LAUNCHER_EXIT = { config: 78, usage: 64 } as const;

/** The script's name in process listings and logs (`$0`). */
export const LAUNCHER_NAME = 'agent-perimeter-launcher';

/** Extra time the container gets beyond the drain before the runtime kills it. */
export const STOP_MARGIN_S = 10;

export const LAUNCHER_SCRIPT = `set -u
# No dollar-brace expansions anywhere: CloudFormation reads them as parameter references.
log() { printf '%s: %s\\n' "${LAUNCHER_NAME}" "$*" >&2; }
refuse() { log "refusing to start: $*"; exit ${LAUNCHER_EXIT.config}; }
usage() { log "$*"; exit ${LAUNCHER_EXIT.usage}; }

# A credential becomes one HTTP header value, byte for byte.
check_value() {
  local what="$1" value="$2"
  [ -n "$value" ] || refuse "$what is empty. Fix: store the credential in the secret."
  case "$value" in *$'\\n'* | *$'\\r'*) refuse "$what contains a line break. Fix: store the value on one line, without a trailing newline." ;; esac
  if [[ "$value" =~ ^[[:space:]] || "$value" =~ [[:space:]]$ ]]; then
    refuse "$what has leading or trailing whitespace. Fix: store the value without it."
  fi
}
check_variable() {
  [[ -v $1 ]] || refuse "credential variable $1 is not set. Fix: give the proxy container the secret."
  local -n credential="$1"
  check_value "credential variable $1" "$credential"
}
# A bearer credential (a Bedrock API key): Envoy's generic injector sends the value as the
# whole header, so the launcher writes it as "Bearer <key>" unless it already is.
bearer() {
  local -n bearer_value="$1"
  case "$bearer_value" in "Bearer "*) ;; *) bearer_value="Bearer $bearer_value" ;; esac
  export "$1"
}
check_file() {
  [ -r "$1" ] || refuse "credential file $1 cannot be read. Fix: mount the secret there."
  local value=""
  IFS= read -r -d '' value < "$1" || true
  check_value "credential file $1" "$value"
}

drain_s=0 admin_host="" admin_port=""
while [ $# -gt 0 ]; do
  [ "$1" = "--" ] && { shift; break; }
  [ $# -ge 2 ] || usage "option $1 needs a value"
  case "$1" in
    --credential-env) check_variable "$2" ;;
    --bearer-env) check_variable "$2"; bearer "$2" ;;
    --credential-file) check_file "$2" ;;
    --drain-seconds) drain_s="$2" ;;
    --admin) IFS=: read -r admin_host admin_port <<< "$2" ;;
    *) usage "unknown option $1 (expected --credential-env, --bearer-env, --credential-file, --drain-seconds, --admin, then -- and the Envoy command)" ;;
  esac
  shift 2
done
[ $# -gt 0 ] || usage "no Envoy command after --"
case "$drain_s" in '' | *[!0-9]*) usage "--drain-seconds must be a whole number, got $drain_s" ;; esac

# Envoy prints request headers, injected credentials included, at debug and trace level.
previous=""
for arg in "$@"; do
  level=""
  case "$arg" in
    --log-level=* | -l=*) IFS== read -r _ level <<< "$arg" ;;
    --component-log-level | --component-log-level=*) refuse "per-component log levels can print request headers. Fix: remove --component-log-level." ;;
  esac
  case "$previous" in --log-level | -l) level="$arg" ;; esac
  case "$level" in debug | trace) refuse "log level $level prints request headers, including injected credentials. Fix: use info, warning, error, critical or off." ;; esac
  previous="$arg"
done

# POST to Envoy's admin interface on loopback; logs its status line.
admin_post() {
  local reply=""
  if ! exec 3<>"/dev/tcp/$admin_host/$admin_port"; then
    log "admin interface $admin_host:$admin_port is not reachable for $1"
    return 1
  fi
  printf 'POST %s HTTP/1.0\\r\\nHost: localhost\\r\\nContent-Length: 0\\r\\n\\r\\n' "$1" >&3
  IFS=$'\\r' read -r -t 5 reply <&3 || true
  exec 3>&-
  log "admin $1: $reply"
}

envoy_pid=""
draining=0
on_term() {
  [ "$draining" = 0 ] || return 0
  draining=1
  if [ -z "$admin_port" ]; then
    log "SIGTERM: no admin interface, stopping Envoy at once"
  else
    log "SIGTERM: failing the health check and draining for $drain_s seconds"
    admin_post /healthcheck/fail || true
    admin_post '/drain_listeners?graceful' || true
    local waited=0
    while [ "$waited" -lt "$drain_s" ] && kill -0 "$envoy_pid" 2>/dev/null; do
      sleep 1
      waited=$((waited + 1))
    done
  fi
  kill -TERM "$envoy_pid" 2>/dev/null || true
}
trap on_term TERM INT

"$@" &
envoy_pid=$!
# A trapped signal interrupts wait; keep waiting while Envoy runs.
while kill -0 "$envoy_pid" 2>/dev/null; do
  wait "$envoy_pid" || true
done
wait "$envoy_pid"
status=$?
log "Envoy exited with status $status"
exit "$status"
`;

/** How the launcher reads the credentials it checks. */
export type LauncherCredentials =
  | {
      readonly variables: readonly string[];
      /** Variables whose value becomes "Bearer <value>" (a Bedrock API key). */
      readonly bearerVariables?: readonly string[];
    }
  | { readonly files: readonly string[] };

export interface LaunchOptions {
  /** Envoy's bootstrap: inline (`--config-yaml`, JSON is YAML) or a file inside the container. */
  readonly config: { readonly inline: string } | { readonly path: string };
  readonly logLevel: string;
  /** Worker threads; match the CPUs the container gets. */
  readonly concurrency: number;
  /** Seconds the launcher drains on SIGTERM before it stops Envoy. */
  readonly drainSeconds: number;
  /** Whether Envoy's admin interface listens on 127.0.0.1 (it must, to drain). */
  readonly admin: boolean;
  readonly credentials: LauncherCredentials;
  /** @default ENVOY_BINARY */
  readonly envoy?: string;
}

/** The Envoy binary in the official images. */
export const ENVOY_BINARY = '/usr/local/bin/envoy';

/** The `envoy` user and group of the official image (Ubuntu `adduser --system`). */
export const ENVOY_USER = '101:101';

/** The launcher's arguments: its own options, `--`, then the Envoy command. */
export function launchArguments(options: LaunchOptions): string[] {
  const credentials =
    'variables' in options.credentials
      ? [
          ...options.credentials.variables.flatMap((v) => ['--credential-env', v]),
          ...(options.credentials.bearerVariables ?? []).flatMap((v) => ['--bearer-env', v]),
        ]
      : options.credentials.files.flatMap((f) => ['--credential-file', f]);
  const config =
    'inline' in options.config
      ? ['--config-yaml', options.config.inline]
      : ['--config-path', options.config.path];
  return [
    ...credentials,
    '--drain-seconds',
    String(options.drainSeconds),
    ...(options.admin ? ['--admin', `127.0.0.1:${ADMIN_PORT}`] : []),
    '--',
    options.envoy ?? ENVOY_BINARY,
    ...config,
    '--disable-hot-restart',
    '--log-level',
    options.logLevel,
    '--concurrency',
    String(Math.max(1, Math.ceil(options.concurrency))),
    // Drain gradually would leave most connections open until the end; an egress proxy that
    // is being stopped should tell every client to reconnect elsewhere at once.
    '--drain-time-s',
    String(options.drainSeconds),
    '--drain-strategy',
    'immediate',
  ];
}

/** The container's stop timeout: the drain plus a margin, so the launcher finishes first. */
export function stopTimeoutSeconds(drainSeconds: number): number {
  return drainSeconds + STOP_MARGIN_S;
}
