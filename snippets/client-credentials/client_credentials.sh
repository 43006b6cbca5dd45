#!/bin/sh
# Client credentials flow: exchange the service name and API key for an access token.
set -eu

: "${KONTUR_CLIENT_ID:?is not set}" "${KONTUR_API_KEY:?is not set}"
case ${KONTUR_SITE:-test} in
  test) identity=https://identity.testkontur.ru ;;
  production) identity=https://identity.kontur.ru ;;
  *) echo "KONTUR_SITE must be test or production" >&2; exit 1 ;;
esac
identity=${KONTUR_IDENTITY_URL:-$identity}
identity=${identity%/}

# One string or number of the flat JSON $body (no jq needed).
field() { printf '%s\n' "$body" | sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p; s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p"; }

# The API key reaches curl on stdin (client_secret@-): it never shows in `ps`.
# --write-out adds a last line: the HTTP status and the trace id for support.
answer=$(printf %s "$KONTUR_API_KEY" | curl --silent --max-time 30 \
  --data grant_type=client_credentials \
  --data-urlencode "client_id=$KONTUR_CLIENT_ID" \
  --data-urlencode client_secret@- \
  --data scope=extern.api \
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
