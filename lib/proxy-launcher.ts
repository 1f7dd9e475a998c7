// biome-ignore-all lint/suspicious/noTemplateCurlyInString: this file writes bash, where ${VAR} is shell syntax, not a JS placeholder.
import { opensslLeafExtensions } from './ca/profile.js';
import { ADMIN_PORT } from './proxy-contract.js';
import {
  CONFIG_FD,
  FETCH_FUNCTIONS,
  FETCH_OPTIONS,
  FETCH_RUN,
  FETCH_START,
} from './proxy-launcher-fetch.js';

/*
 * How every platform starts Envoy: through this launcher, in the Envoy container itself.
 * Envoy exits at once on SIGTERM (no draining), uses a credential value verbatim (a trailing
 * newline breaks the header silently), and prints request headers, injected credentials
 * included, at debug and trace level. The launcher closes those gaps before and around Envoy:
 *
 * - it refuses to start when a credential is empty, holds a line break or surrounding
 *   whitespace (a clear log line naming the variable or file, never the value);
 * - it refuses debug and trace log levels and per-component log levels;
 * - it turns a token into the header value a `bearer` or `basic` credential needs (Envoy's
 *   generic credential is used verbatim), into a variable only Envoy's environment holds;
 * - for intercepted hosts it issues one leaf certificate per host with the private CA (openssl,
 *   which the official image has through ca-certificates), writes the SDS files Envoy watches,
 *   and re-issues them at half their lifetime; the CA key stays in the launcher's memory and
 *   is removed from the environment Envoy inherits;
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

/** The leaf profile's openssl extension lines as bash words; `$host` expands at run time. */
function leafExtensionArgs(): string {
  return opensslLeafExtensions('$host')
    .split('\n')
    .map((line) => `"${line}"`)
    .join(' ');
}

/*
 * The interception parts of the script, included only when the policy intercepts: every byte
 * of the launcher counts against the ECS task definition's 64 KiB.
 */
const INTERCEPTING_FUNCTIONS = `# The private CA: read once into memory; the key never reaches Envoy's environment.
read_ca() {
  local what="$1" kind="$2" source="$3" value=""
  case "$kind" in
    env)
      [[ -v $source ]] || refuse "CA $what variable $source is not set. Fix: give the proxy container the secret."
      local -n material="$source"
      value="$material"
      unset "$source"
      ;;
    file)
      [ -r "$source" ] || refuse "CA $what file $source cannot be read. Fix: mount it there."
      IFS= read -r -d '' value < "$source" || true
      ;;
  esac
  case "$value" in *"-----BEGIN"*) ;; *) refuse "CA $what from $source is not PEM. Fix: store the file 'agent-perimeter ca create' wrote." ;; esac
  printf -v "ca_$what" '%s' "$value"
}

# One leaf per intercepted host: SAN = host, serverAuth only, signed by the CA. Files are
# written beside their final names and moved into place, so Envoy (which watches the
# directory for moves) only ever reads a complete pair.
issue_leaf() {
  local host="" secret="" base="" tmp=""
  IFS=: read -r host secret base <<< "$1"
  tmp="$leaf_dir/.$base.$$"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp.key" 2>/dev/null &&
    openssl req -new -key "$tmp.key" -subj "/CN=$host" -out "$tmp.csr" 2>/dev/null &&
    printf '%s\\n' ${leafExtensionArgs()} > "$tmp.ext" &&
    openssl x509 -req -in "$tmp.csr" -CA <(printf '%s\\n' "$ca_cert") -CAkey <(printf '%s\\n' "$ca_key") \\
      -set_serial "0x$(openssl rand -hex 16)" -days "$leaf_days" -sha256 -extfile "$tmp.ext" \\
      -out "$tmp.crt" 2>"$tmp.err" || {
      log "could not issue the certificate for $host: $(head -c 300 "$tmp.err" 2>/dev/null)"
      rm -f "$tmp.key" "$tmp.csr" "$tmp.ext" "$tmp.crt" "$tmp.err"
      return 1
    }
  mv -f "$tmp.key" "$leaf_dir/$base.key"
  mv -f "$tmp.crt" "$leaf_dir/$base.crt"
  rm -f "$tmp.csr" "$tmp.ext" "$tmp.err"
  if [ ! -e "$leaf_dir/$base.sds.json" ]; then
    printf '{"resources":[{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret","name":"%s","tls_certificate":{"certificate_chain":{"filename":"%s"},"private_key":{"filename":"%s"}}}]}\\n' \\
      "$secret" "$leaf_dir/$base.crt" "$leaf_dir/$base.key" > "$tmp.sds" && mv -f "$tmp.sds" "$leaf_dir/$base.sds.json"
  fi
  log "issued the certificate for $host ($leaf_days days)"
}
issue_leaves() {
  local leaf=""
  while IFS= read -r leaf; do
    [ -z "$leaf" ] || issue_leaf "$leaf" || return 1
  done <<< "$leaves"
}

`;
const INTERCEPTING_START = `renew_pid=""
if [ -n "$leaves" ]; then
  command -v openssl >/dev/null 2>&1 || refuse "openssl is not in the image, and intercepted hosts need certificates. Fix: use the envoyproxy/envoy image (it has openssl through ca-certificates)."
  [ -n "$ca_key" ] && [ -n "$ca_cert" ] || refuse "intercepted hosts need the CA key and certificate. Fix: give the proxy the CA secret (--ca-key-env/--ca-key-file) and --ca-cert-env/--ca-cert-file."
  [ -n "$leaf_dir" ] && [ -d "$leaf_dir" ] && [ -w "$leaf_dir" ] || refuse "the certificate directory '$leaf_dir' is not a writable directory. Fix: mount a writable volume there for the proxy."
  umask 077
  issue_leaves || refuse "the certificates for the intercepted hosts could not be issued (see above). Fix: check that the CA key and certificate belong together and the CA has not expired."
  # Re-issue at half the lifetime; Envoy reloads each pair when it is moved into place.
  (
    nap=""
    trap '[ -z "$nap" ] || kill "$nap" 2>/dev/null; exit 0' TERM
    trap - INT
    while :; do
      sleep $((leaf_days * 43200)) &
      nap=$!
      wait "$nap"
      issue_leaves || log "renewal failed; the current certificates stay in use"
    done
  ) &
  renew_pid=$!
fi
ca_key=""
`;
const PLAIN_FUNCTIONS = `read_ca() { refuse "this launcher cannot issue certificates. Fix: render the proxy for the policy that has the tls: intercept entries."; }`;
const PLAIN_START = `[ -z "$leaves" ] || read_ca`;

function script(interception: boolean, fetch = false): string {
  const INTERCEPTION_FUNCTIONS = interception ? INTERCEPTING_FUNCTIONS : PLAIN_FUNCTIONS;
  const INTERCEPTION_START = interception ? INTERCEPTING_START : PLAIN_START;
  // Without the fetch the script is byte for byte the plain one (every byte counts against the
  // task definition) and the fetch options are unknown (a clear usage error).
  const FETCH = fetch
    ? {
        functions: `\n${FETCH_FUNCTIONS}`,
        options: `${FETCH_OPTIONS}\n`,
        start: `\n${FETCH_START}`,
        run: FETCH_RUN,
      }
    : { functions: '', options: '', start: '', run: '"$@" &' };
  return `set -u
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
check_file() {
  [ -r "$1" ] || refuse "credential file $1 cannot be read. Fix: mount the secret there."
  local value=""
  IFS= read -r -d '' value < "$1" || true
  check_value "credential file $1" "$value"
}

# A token as the header value of its format: "Bearer <token>" (unless it already is: a stored
# Bedrock API key may carry the prefix) or "Basic base64(<user>:<token>)". Envoy's generic
# injector sends the value verbatim. OUT may be the source variable itself (composed in place).
format_credential() {
  local out="" format="" user="" kind="" source="" value=""
  IFS=: read -r out format user kind source <<< "$1"
  case "$kind" in
    env) check_variable "$source"; local -n token="$source"; value="$token" ;;
    file) check_file "$source"; IFS= read -r -d '' value < "$source" || true ;;
    *) usage "--credential-as needs OUT:FORMAT:USER:env|file:SOURCE, got $1" ;;
  esac
  case "$format" in
    bearer) case "$value" in "Bearer "*) ;; *) value="Bearer $value" ;; esac ;;
    basic) value="Basic $(printf '%s:%s' "$user" "$value" | base64 -w0)" ;;
    *) usage "--credential-as format must be bearer or basic, got $format" ;;
  esac
  export "$out=$value"
}

ca_key="" ca_cert="" leaf_dir="" leaf_days=7 leaves=""
${INTERCEPTION_FUNCTIONS}${FETCH.functions}
drain_s=0 admin_host="" admin_port=""
while [ $# -gt 0 ]; do
  [ "$1" = "--" ] && { shift; break; }
  [ $# -ge 2 ] || usage "option $1 needs a value"
  case "$1" in
    --credential-env) check_variable "$2" ;;
    --credential-file) check_file "$2" ;;
    --credential-as) format_credential "$2" ;;
    --ca-key-env) read_ca key env "$2" ;;
    --ca-key-file) read_ca key file "$2" ;;
    --ca-cert-env) read_ca cert env "$2" ;;
    --ca-cert-file) read_ca cert file "$2" ;;
    --leaf-dir) leaf_dir="$2" ;;
    --leaf-days) leaf_days="$2" ;;
    --leaf) leaves="$leaves$2"$'\\n' ;;
    --drain-seconds) drain_s="$2" ;;
    --admin) IFS=: read -r admin_host admin_port <<< "$2" ;;
${FETCH.options}    *) usage "unknown option $1 (expected --credential-env, --credential-file, --credential-as, --ca-key-env/-file, --ca-cert-env/-file, --leaf-dir, --leaf-days, --leaf, --drain-seconds, --admin, then -- and the Envoy command)" ;;
  esac
  shift 2
done
[ $# -gt 0 ] || usage "no Envoy command after --"
case "$drain_s" in '' | *[!0-9]*) usage "--drain-seconds must be a whole number, got $drain_s" ;; esac
case "$leaf_days" in '' | 0 | *[!0-9]*) usage "--leaf-days must be a whole number of days, got $leaf_days" ;; esac

${INTERCEPTION_START}${FETCH.start}

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
stop_renewal() { [ -z "$renew_pid" ] || kill "$renew_pid" 2>/dev/null || true; }
trap stop_renewal EXIT

${FETCH.run}
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
}

/** The launcher for policies without intercepted hosts (the smaller script). */
export const LAUNCHER_SCRIPT = script(false);

/** The launcher that also issues and renews leaf certificates for intercepted hosts. */
export const INTERCEPTING_LAUNCHER_SCRIPT = script(true);

/** The launcher that also fetches its config from S3 and checks the pinned digest. */
export const FETCHING_LAUNCHER_SCRIPT = script(false, true);

/** The launcher a policy needs. */
export function launcherScript(intercepts: boolean, fetchesConfig = false): string {
  if (fetchesConfig) return script(intercepts, true);
  return intercepts ? INTERCEPTING_LAUNCHER_SCRIPT : LAUNCHER_SCRIPT;
}

/** How the launcher reads the credentials it checks. */
export type LauncherCredentials =
  | { readonly variables: readonly string[] }
  | { readonly files: readonly string[] };

/** Where the launcher reads a value: an environment variable or a file. */
export type LauncherSource = { readonly env: string } | { readonly file: string };

/**
 * A credential whose header value the launcher composes (`bearer`, `basic`); `out` may be the
 * source variable itself (the Bedrock API key is composed in place).
 */
export interface FormattedCredential {
  /** The variable Envoy reads the finished header value from. */
  readonly out: string;
  readonly format: 'bearer' | 'basic';
  readonly username?: string;
  readonly source: LauncherSource;
}

/** Leaf certificates the launcher issues at start for intercepted hosts. */
export interface LauncherLeaves {
  readonly hosts: readonly {
    readonly host: string;
    readonly secret: string;
    readonly base: string;
  }[];
  /** A writable directory only the proxy sees (LEAF_DIR). */
  readonly dir: string;
  readonly days: number;
  readonly caKey: LauncherSource;
  readonly caCertificate: LauncherSource;
}

export interface LaunchOptions {
  /**
   * Envoy's bootstrap: inline (`--config-yaml`, JSON is YAML), a file inside the container, or
   * an S3 object the launcher fetches with the task role and checks against the sha256 in
   * AGENT_PERIMETER_CONFIG_SHA256 (needs {@link FETCHING_LAUNCHER_SCRIPT}).
   */
  readonly config:
    | { readonly inline: string }
    | { readonly path: string }
    | { readonly s3: { readonly url: string; readonly region: string } };
  readonly logLevel: string;
  /** Worker threads; match the CPUs the container gets. */
  readonly concurrency: number;
  /** Seconds the launcher drains on SIGTERM before it stops Envoy. */
  readonly drainSeconds: number;
  /** Whether Envoy's admin interface listens on 127.0.0.1 (it must, to drain). */
  readonly admin: boolean;
  readonly credentials: LauncherCredentials;
  /** @default - none */
  readonly formattedCredentials?: readonly FormattedCredential[];
  /** @default - no intercepted hosts */
  readonly leaves?: LauncherLeaves;
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
      ? options.credentials.variables.flatMap((v) => ['--credential-env', v])
      : options.credentials.files.flatMap((f) => ['--credential-file', f]);
  const given = options.config;
  const config =
    'inline' in given
      ? ['--config-yaml', given.inline]
      : 'path' in given
        ? ['--config-path', given.path]
        : ['--config-path', `/dev/fd/${CONFIG_FD}`];
  const fetch =
    's3' in given ? ['--config-s3', given.s3.url, '--config-region', given.s3.region] : [];
  const source = (s: LauncherSource) => ('env' in s ? `env:${s.env}` : `file:${s.file}`);
  const formatted = (options.formattedCredentials ?? []).flatMap((c) => [
    '--credential-as',
    `${c.out}:${c.format}:${c.username ?? ''}:${source(c.source)}`,
  ]);
  const { leaves } = options;
  const ca = (what: 'key' | 'cert', s: LauncherSource) =>
    'env' in s ? [`--ca-${what}-env`, s.env] : [`--ca-${what}-file`, s.file];
  const leafArgs =
    leaves === undefined || leaves.hosts.length === 0
      ? []
      : [
          ...ca('key', leaves.caKey),
          ...ca('cert', leaves.caCertificate),
          '--leaf-dir',
          leaves.dir,
          '--leaf-days',
          String(leaves.days),
          ...leaves.hosts.flatMap((h) => ['--leaf', `${h.host}:${h.secret}:${h.base}`]),
        ];
  return [
    ...credentials,
    ...formatted,
    ...leafArgs,
    ...fetch,
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
