#!/bin/sh
# Authorization code flow: the user signs in in a browser, the app exchanges the code.
set -eu

: "${KONTUR_CLIENT_ID:?is not set}" "${KONTUR_API_KEY:?is not set}"
case ${KONTUR_SITE:-test} in
  test) identity=https://identity.testkontur.ru ;;
  production) identity=https://identity.kontur.ru ;;
  *) echo "KONTUR_SITE must be test or production" >&2; exit 1 ;;
esac
identity=${KONTUR_IDENTITY_URL:-$identity}
identity=${identity%/}
redirect_uri=http://127.0.0.1:8400/callback  # the sandbox's; ask Kontur for yours

# One string or number of the flat JSON $body (no jq needed).
field() { printf '%s\n' "$body" | sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p; s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p"; }
# Percent-encode a query parameter's value.
encode() { printf %s "$1" | sed 's/%/%25/g; s/ /%20/g; s/:/%3A/g; s|/|%2F|g; s/?/%3F/g; s/&/%26/g; s/=/%3D/g; s/+/%2B/g; s/#/%23/g'; }
# One parameter of the address the browser was sent to.
param() { printf '%s\n' "$redirect" | sed -n "s/.*[?&]$1=\([^&#]*\).*/\1/p"; }

# A fresh random state ties the answer to this very request (protection against CSRF).
state=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
# A fresh nonce, as OpenID Connect asks: the provider puts it into the ID token it issues.
nonce=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
echo "Open this address in a browser and sign in:"
echo "$identity/connect/authorize?response_type=code&client_id=$(encode "$KONTUR_CLIENT_ID")\
&redirect_uri=$(encode "$redirect_uri")&scope=openid%20extern.api&state=$state&nonce=$nonce"
echo "Then paste the address the browser was sent to:"
read -r redirect || true

if [ -n "$(param error)" ]; then
  echo "$(param error): $(param error_description)" >&2; exit 1
fi
if [ "$(param state)" != "$state" ] || [ -z "$(param code)" ]; then
  echo "The address has no code or a foreign state: start over" >&2; exit 1
fi

# The API key reaches curl on stdin (client_secret@-): it never shows in `ps`.
# --write-out adds a last line: the HTTP status and the trace id for support.
answer=$(printf %s "$KONTUR_API_KEY" | curl --silent --max-time 30 \
  --data grant_type=authorization_code \
  --data "code=$(param code)" \
  --data-urlencode "redirect_uri=$redirect_uri" \
  --data-urlencode "client_id=$KONTUR_CLIENT_ID" \
  --data-urlencode client_secret@- \
  --write-out '\n%{http_code} %header{x-kontur-trace-id}' \
  "$identity/connect/token") || { echo "Cannot reach $identity: curl error $?" >&2; exit 1; }

status=$(printf '%s\n' "$answer" | tail -n 1)
body=$(printf '%s\n' "$answer" | sed '$d')
if [ "${status%% *}" != 200 ]; then  # the OpenID provider answers 400 with an "error" code
  printf '%s %s: %s\nX-Kontur-Trace-Id: %s\n' "${status%% *}" "$(field error)" \
    "$(field error_description)" "${status#* }" >&2
  exit 1
fi
echo "token_type: $(field token_type)"
echo "expires_in: $(field expires_in)"
echo "access_token: $(field access_token)"
