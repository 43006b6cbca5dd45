#!/bin/sh
# Authorization code flow: the user signs in in a browser, the app exchanges the code.
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
redirect_uri=http://127.0.0.1:8400/callback  # the sandbox's; ask Kontur for yours
# Percent-encode a query parameter's value.
encode() { printf %s "$1" | sed 's/%/%25/g; s/ /%20/g; s/:/%3A/g; s|/|%2F|g; s/?/%3F/g; s/&/%26/g; s/=/%3D/g; s/+/%2B/g; s/#/%23/g'; }
# The sign-in page's address; a fresh nonce, as OpenID Connect asks, goes into the ID token.
authorize_url() {
  nonce=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  echo "$identity/connect/authorize?response_type=code&client_id=$(encode "$KONTUR_CLIENT_ID")\
&redirect_uri=$(encode "$redirect_uri")&scope=openid%20extern.api&state=$state&nonce=$nonce"
}
# One parameter of the address the browser was sent to.
param() { printf '%s\n' "$redirect" | sed -n "s/.*[?&]$1=\([^&#]*\).*/\1/p"; }
# The code of that address; stop if sign-in failed or was forged.
code_from_redirect() {
  if [ -n "$(param error)" ]; then
    echo "$(param error): $(param error_description)" >&2; exit 1
  fi
  if [ "$(param state)" != "$state" ] || [ -z "$(param code)" ]; then
    echo "The address has no code or a foreign state: start over" >&2; exit 1
  fi
  param code
}

# [START authorization_code]
state=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')  # ties the answer to this request (CSRF)
echo "Open this address in a browser and sign in:"
authorize_url
echo "Then paste the address the browser was sent to:"
read -r redirect || true
code=$(code_from_redirect)

# The API key reaches curl on stdin (client_secret@-): it never shows in `ps`.
url=$identity/connect/token
answer=$(printf %s "$KONTUR_API_KEY" | request \
  --data grant_type=authorization_code \
  --data "code=$code" \
  --data-urlencode "redirect_uri=$redirect_uri" \
  --data-urlencode "client_id=$KONTUR_CLIENT_ID" \
  --data-urlencode client_secret@-)
check
echo "token_type: $(field token_type)"
echo "expires_in: $(field expires_in)"
echo "access_token: $(field access_token)"
# [END authorization_code]
