#!/bin/sh
# First call to the Extern API: get a token, then list the accounts (GET /v1).
set -eu

: "${KONTUR_CLIENT_ID:?is not set}" "${KONTUR_API_KEY:?is not set}"
case ${KONTUR_SITE:-test} in
  test) identity=https://identity.testkontur.ru api=https://extern-api.testkontur.ru ;;
  production) identity=https://identity.kontur.ru api=https://extern-api.kontur.ru ;;
  *) echo "KONTUR_SITE must be test or production" >&2; exit 1 ;;
esac
identity=${KONTUR_IDENTITY_URL:-$identity}
identity=${identity%/}
api=${KONTUR_API_URL:-$api}
api=${api%/}

# One string or number of the flat JSON $body (no jq needed).
field() { printf '%s\n' "$body" | sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p; s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p"; }
# Split curl's answer: the body, then (--write-out) the HTTP status and the trace id.
# On an error, print its code, its description and the trace id for support, and stop.
# The OpenID provider answers 400 with "error"; the Extern API uses "id" and "message".
check() {
  status=$(printf '%s\n' "$answer" | tail -n 1)
  body=$(printf '%s\n' "$answer" | sed '$d')
  [ "${status%% *}" = 200 ] && return
  printf '%s %s: %s\nX-Kontur-Trace-Id: %s\n' "${status%% *}" "$(field error)$(field id)" \
    "$(field error_description)$(field message)" "${status#* }" >&2
  exit 1
}

# The API key reaches curl on stdin (client_secret@-): it never shows in `ps`.
answer=$(printf %s "$KONTUR_API_KEY" | curl --silent --max-time 30 \
  --data grant_type=client_credentials \
  --data-urlencode "client_id=$KONTUR_CLIENT_ID" \
  --data-urlencode client_secret@- \
  --data scope=extern.api \
  --write-out '\n%{http_code} %header{x-kontur-trace-id}' \
  "$identity/connect/token") || { echo "Cannot reach $identity: curl error $?" >&2; exit 1; }
check

# The Extern API gets only the access token, never the API key (the header, too, on stdin).
answer=$(printf 'Authorization: Bearer %s' "$(field access_token)" | curl --silent --max-time 30 \
  --header @- \
  --write-out '\n%{http_code} %header{x-kontur-trace-id}' \
  "$api/v1?skip=0&take=10") || { echo "Cannot reach $api: curl error $?" >&2; exit 1; }
check
printf '%s\n' "$body"
