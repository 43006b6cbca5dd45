#!/bin/sh
# Device flow: the user confirms the sign-in in a browser while the app polls for a token.
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
# Split curl's answer: the body, then (--write-out) the HTTP status and the trace id.
# On an error, print its code, its description and the trace id for support, and stop.
check() {
  status=$(printf '%s\n' "$answer" | tail -n 1)
  body=$(printf '%s\n' "$answer" | sed '$d')
  [ "${status%% *}" = 200 ] && return
  printf '%s %s: %s\nX-Kontur-Trace-Id: %s\n' "${status%% *}" "$(field error)" \
    "$(field error_description)" "${status#* }" >&2
  exit 1
}

# The API key reaches curl on stdin (client_secret@-): it never shows in `ps`.
answer=$(printf %s "$KONTUR_API_KEY" | curl --silent --max-time 30 \
  --data-urlencode "client_id=$KONTUR_CLIENT_ID" \
  --data-urlencode client_secret@- \
  --data scope=extern.api \
  --write-out '\n%{http_code} %header{x-kontur-trace-id}' \
  "$identity/connect/deviceauthorization") || { echo "Cannot reach $identity: curl error $?" >&2; exit 1; }
check

echo "Open $(field verification_uri_complete)"
echo "or open $(field verification_uri) and enter the code $(field user_code)"
echo "The code expires in $(field expires_in) s. Waiting..."

device_code=$(field device_code)
interval=$(field interval)
interval=${interval:-5}
while :; do
  sleep "$interval"
  answer=$(printf %s "$KONTUR_API_KEY" | curl --silent --max-time 30 \
    --data grant_type=urn:ietf:params:oauth:grant-type:device_code \
    --data-urlencode "client_id=$KONTUR_CLIENT_ID" \
    --data-urlencode client_secret@- \
    --data scope=extern.api \
    --data-urlencode "device_code=$device_code" \
    --write-out '\n%{http_code} %header{x-kontur-trace-id}' \
    "$identity/connect/token") || { echo "Cannot reach $identity: curl error $?" >&2; exit 1; }
  body=$(printf '%s\n' "$answer" | sed '$d')
  case $(field error) in
    authorization_pending) continue ;;  # the user has not confirmed yet
    slow_down) interval=$((interval + 5)); continue ;;  # polled too often: 5 s longer
  esac
  check  # stops on expired_token, access_denied, ...
  break
done

echo "token_type: $(field token_type)"
echo "expires_in: $(field expires_in)"
echo "access_token: $(field access_token)"
