import { PROXY_CONFIG_DIGEST_ENV } from './contract/proxy-identity.js';

/*
 * The launcher's config fetch, included only when the config is delivered out of band (an
 * allowlist too large for an ECS task definition). Plain bash, openssl and coreutils, which
 * the official Envoy image has; no AWS CLI and no extra container:
 *
 * - credentials of the task's own role from the ECS credentials endpoint (plain HTTP over
 *   /dev/tcp to 169.254.170.2, or AWS_CONTAINER_CREDENTIALS_FULL_URI on loopback);
 * - one Signature Version 4 GET of the S3 object over TLS (`openssl s_client`, certificate
 *   and host name verified against the system CA store);
 * - the body's SHA-256 compared with AGENT_PERIMETER_CONFIG_SHA256, which the task
 *   definition pins: a changed or swapped object refuses to start (exit 78);
 * - the config stays in memory and reaches Envoy through a pipe (`--config-path /dev/fd/9`,
 *   which Envoy allows for exactly this); the root filesystem stays read-only.
 *
 * Like the rest of the launcher: no dollar-brace expansions (CloudFormation parameter syntax).
 */

/** The descriptor Envoy reads a fetched bootstrap from (`--config-path /dev/fd/N`). */
export const CONFIG_FD = 9;

/** Environment variable that carries the config's sha256 (the contract's name). */
export const CONFIG_DIGEST_VARIABLE = PROXY_CONFIG_DIGEST_ENV;

/** Placed among the launcher's functions when the policy's config is fetched. */
export const FETCH_FUNCTIONS = String.raw`# The Envoy config from S3: the task role's credentials, one SigV4 GET, the pinned digest.
config_url="" config_region="" config="" fetched=0
hex_sha256() { local out=""; read -r out _ < <(printf '%s' "$1" | openssl dgst -sha256 -r) || true; printf '%s' "$out"; }
hex_hmac() { local out=""; read -r out _ < <(printf '%s' "$2" | openssl dgst -sha256 -mac HMAC -macopt "$1" -r) || true; printf '%s' "$out"; }
json_field() {
  [[ $1 =~ \"$2\"[[:space:]]*:[[:space:]]*\"([^\"]*)\" ]] || return 1
  local -n json_value="BASH_REMATCH[1]"
  printf '%s' "$json_value"
}
# Prints the credentials document of the task role (ECS container credentials provider).
task_credentials() {
  local host="169.254.170.2" port=80 path="" line="" auth=""
  if [[ -v AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ]]; then
    path="$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
  elif [[ -v AWS_CONTAINER_CREDENTIALS_FULL_URI && $AWS_CONTAINER_CREDENTIALS_FULL_URI =~ ^http://(127\.0\.0\.1|169\.254\.170\.2):([0-9]+)(/.*)$ ]]; then
    local -n full_host="BASH_REMATCH[1]" full_port="BASH_REMATCH[2]" full_path="BASH_REMATCH[3]"
    host="$full_host" port="$full_port" path="$full_path"
  else
    log "no task role credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not set)"
    return 1
  fi
  [[ -v AWS_CONTAINER_AUTHORIZATION_TOKEN ]] && auth="Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN"$'\r\n'
  exec 8<>"/dev/tcp/$host/$port" || { log "the credentials endpoint $host:$port is not reachable"; return 1; }
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\n%s\r\n' "$path" "$host" "$auth" >&8
  IFS= read -r -t 10 line <&8 || true
  case "$line" in "HTTP/1."?" 200"*) ;; *) log "the credentials endpoint answered: $(printf '%s' "$line" | tr -d '\r')"; exec 8>&-; return 1 ;; esac
  while IFS= read -r -t 10 line <&8 && [ "$line" != $'\r' ] && [ -n "$line" ]; do :; done
  cat <&8
  exec 8>&-
}
# Prints the object's body; logs and fails on anything but 200.
s3_get() {
  local url="$1" region="$2" host="" port=443 hostport="" key="" creds="" id="" secret="" token=""
  local now="" day="" empty="" headers="" signed="" creq="" scope="" sts="" k="" sig="" status="" line=""
  [[ $url =~ ^https://([a-z0-9.-]+)(:([0-9]+))?(/[A-Za-z0-9._/-]+)$ ]] || { log "--config-s3 needs https://HOST/KEY, got $url"; return 1; }
  local -n url_host="BASH_REMATCH[1]" url_port="BASH_REMATCH[3]" url_key="BASH_REMATCH[4]"
  host="$url_host" key="$url_key"
  [ -z "$url_port" ] || port="$url_port"
  hostport="$host"
  [ "$port" = 443 ] || hostport="$host:$port"
  creds=$(task_credentials) || return 1
  id=$(json_field "$creds" AccessKeyId) && secret=$(json_field "$creds" SecretAccessKey) || { log "the credentials endpoint returned no AccessKeyId/SecretAccessKey"; return 1; }
  token=$(json_field "$creds" Token) || token=""
  now=$(date -u +%Y%m%dT%H%M%SZ)
  day=$(date -u +%Y%m%d)
  empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
  headers="host:$hostport"$'\n'"x-amz-content-sha256:$empty"$'\n'"x-amz-date:$now"$'\n'
  signed="host;x-amz-content-sha256;x-amz-date"
  if [ -n "$token" ]; then
    headers="$headers""x-amz-security-token:$token"$'\n'
    signed="$signed;x-amz-security-token"
  fi
  creq="GET"$'\n'"$key"$'\n'$'\n'"$headers"$'\n'"$signed"$'\n'"$empty"
  scope="$day/$region/s3/aws4_request"
  sts="AWS4-HMAC-SHA256"$'\n'"$now"$'\n'"$scope"$'\n'"$(hex_sha256 "$creq")"
  k=$(hex_hmac "key:AWS4$secret" "$day")
  k=$(hex_hmac "hexkey:$k" "$region")
  k=$(hex_hmac "hexkey:$k" s3)
  k=$(hex_hmac "hexkey:$k" aws4_request)
  sig=$(hex_hmac "hexkey:$k" "$sts")
  {
    IFS= read -r status || true
    case "$status" in
      "HTTP/1."?" 200 "*) ;;
      *) log "GET $url answered: $(printf '%s' "$status" | tr -d '\r')"; return 1 ;;
    esac
    while IFS= read -r line && [ "$line" != $'\r' ] && [ -n "$line" ]; do :; done
    cat
  } < <(
    {
      printf 'GET %s HTTP/1.0\r\nHost: %s\r\nx-amz-content-sha256: %s\r\nx-amz-date: %s\r\n' "$key" "$hostport" "$empty" "$now"
      [ -z "$token" ] || printf 'x-amz-security-token: %s\r\n' "$token"
      printf 'Authorization: AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s\r\n\r\n' "$id" "$scope" "$signed" "$sig"
    } | openssl s_client -quiet -connect "$host:$port" -servername "$host" -verify_hostname "$host" -verify_return_error 2>/dev/null
  )
}
fetch_config() {
  [[ -v ${CONFIG_DIGEST_VARIABLE} ]] || refuse "${CONFIG_DIGEST_VARIABLE} is not set, so the fetched config cannot be checked. Fix: deploy the task definition the perimeter synthesizes."
  local want="$${CONFIG_DIGEST_VARIABLE}" got=""
  command -v openssl >/dev/null 2>&1 || refuse "openssl is not in the image, and the config must be fetched over TLS. Fix: use the envoyproxy/envoy image."
  config=$(s3_get "$config_url" "$config_region") || refuse "the Envoy config could not be fetched from $config_url (see above). Fix: check that the object exists and the task role may read it; redeploy to upload it."
  got=$(hex_sha256 "$config")
  [ "$got" = "$want" ] || refuse "the Envoy config at $config_url has sha256 $got, not the $want the task definition pins. Fix: redeploy, which uploads the config the policy renders; nothing else may write that object."
  fetched=1
  log "fetched the Envoy config ($(printf '%s' "$config" | wc -c) bytes, sha256 $got)"
}
`;

/** Placed before Envoy starts: fetch and check the config when `--config-s3` was given. */
export const FETCH_START = `[ -z "$config_url" ] || fetch_config`;

/** The option parser's cases for the fetch options. */
export const FETCH_OPTIONS = `    --config-s3) config_url="$2" ;;
    --config-region) config_region="$2" ;;`;

/** How Envoy starts: a fetched config reaches it through a pipe on {@link CONFIG_FD}. */
export const FETCH_RUN = `if [ "$fetched" = 1 ]; then
  "$@" ${CONFIG_FD}< <(printf '%s' "$config") &
  config=""
else
  "$@" &
fi`;
