#!/bin/sh
# Client credentials flow: exchange the service name and API key for an access token.
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

# [START client_credentials]
# The API key reaches curl on stdin (client_secret@-): it never shows in `ps`.
url=$identity/connect/token
answer=$(printf %s "$KONTUR_API_KEY" | request \
  --data grant_type=client_credentials \
  --data-urlencode "client_id=$KONTUR_CLIENT_ID" \
  --data-urlencode client_secret@- \
  --data scope=extern.api)
check

echo "token_type: $(field token_type)"
echo "expires_in: $(field expires_in)"
echo "access_token: $(field access_token)"
# [END client_credentials]
