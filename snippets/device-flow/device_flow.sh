#!/bin/sh
# Device flow: the user confirms the sign-in in a browser while the app polls for a token.
set -eu

# -- helpers: settings, requests, answers (the request itself follows them) ---------------
: "${KONTUR_CLIENT_ID:?is not set}" "${KONTUR_API_KEY:?is not set}"
case ${KONTUR_SITE:-test} in
  test) identity=https://identity.testkontur.ru ;;
  production) identity=https://identity.kontur.ru ;;
  *) echo "KONTUR_SITE must be test or production" >&2; exit 1 ;;
esac
# The server's address: the variable $1 if set, else $2; http:// or https:// only.
address() {
  eval "url=\${$1:-$2}"
  case $url in
    http://* | https://*) printf %s "${url%/}" ;;
    *) echo "$1 must start with http:// or https:// (it is $url)" >&2; exit 1 ;;
  esac
}
# curl $url with a timeout; after the body, a last line: status|trace id|content type.
request() {
  curl --silent --max-time 30 \
    --write-out '\n%{http_code}|%header{x-kontur-trace-id}|%{content_type}' "$@" "$url" && return
  case $? in
    28) echo "No answer from $url in 30 s: try again later" >&2 ;;
    *) echo "Cannot connect to $url: is the server (or sandbox) running?" \
      "Check KONTUR_IDENTITY_URL and KONTUR_API_URL" >&2 ;;
  esac
  exit 1
}
# Split the $answer into $body and the last line; stop unless it is JSON and HTTP 200.
check() {
  body=$(printf '%s\n' "$answer" | sed '$d')
  meta=$(printf '%s\n' "$answer" | tail -n 1)
  status=${meta%%|*} trace_id=${meta#*|}
  case ${meta##*|} in
    *json*) ;;
    *) echo "$url answered HTTP $status, not JSON: wrong address?" >&2; exit 1 ;;
  esac
  [ "$status" = 200 ] && return
  printf '%s %s: %s\nX-Kontur-Trace-Id: %s\n' "$status" "$(field error)" \
    "$(field error_description)" "${trace_id%%|*}" >&2
  exit 1
}
# One string or number of the flat JSON $body (no jq needed).
field() { printf '%s\n' "$body" | sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p; s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p"; }
identity=$(address KONTUR_IDENTITY_URL "$identity")
# The client's credentials, the API key on stdin (client_secret@-): it never shows in `ps`.
client() {
  printf %s "$KONTUR_API_KEY" | request --data-urlencode "client_id=$KONTUR_CLIENT_ID" \
    --data-urlencode client_secret@- --data scope=extern.api "$@"
}

# [START device_flow]
url=$identity/connect/deviceauthorization
answer=$(client)
check
echo "Open $(field verification_uri_complete)"
echo "or open $(field verification_uri) and enter the code $(field user_code)"
echo "The code expires in $(field expires_in) s. Waiting..."

device_code=$(field device_code) interval=$(field interval)
url=$identity/connect/token
while sleep "${interval:-5}"; do  # RFC 8628: `interval` seconds between polls
  answer=$(client --data grant_type=urn:ietf:params:oauth:grant-type:device_code \
    --data-urlencode "device_code=$device_code")
  body=$(printf '%s\n' "$answer" | sed '$d')
  case $(field error) in
    authorization_pending) continue ;;  # the user has not confirmed yet
    slow_down) interval=$((${interval:-5} + 5)); continue ;;  # polled too often: 5 s longer
  esac
  check && break  # or stop: expired_token, access_denied, ...
done
echo "token_type: $(field token_type)"
echo "expires_in: $(field expires_in)"
echo "access_token: $(field access_token)"
# [END device_flow]
