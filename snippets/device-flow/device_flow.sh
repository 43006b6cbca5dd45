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

# Read one field of a flat JSON answer (no jq needed).
text() { printf '%s\n' "$body" | sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p"; }
number() { printf '%s\n' "$body" | sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p"; }

# curl with timeouts; --write-out adds a last line "<status> <trace id>".
call() {
  curl --silent --show-error --connect-timeout 5 --max-time 30 \
    --write-out '\n%{http_code} %header{x-kontur-trace-id}' "$@"
}

# Split $answer into $status and $body; on an error answer print the
# error code, its description and the trace id for support, and stop.
# The OpenID provider answers 400 (not 401) with an "error" code.
check() {
  status=$(printf '%s\n' "$answer" | tail -n 1)
  body=$(printf '%s\n' "$answer" | sed '$d')
  case $status in 2??\ *) return ;; esac
  printf '%s %s: %s\nX-Kontur-Trace-Id: %s\n' "${status%% *}" "$(text error)" \
    "$(text error_description)" "${status#* }" >&2
  exit 1
}

# The api-key goes through stdin, so it never shows in the process list.
answer=$(printf %s "$KONTUR_API_KEY" | call \
  --data-urlencode "client_id=$KONTUR_CLIENT_ID" \
  --data-urlencode client_secret@- \
  --data scope=extern.api \
  "$identity/connect/deviceauthorization") || { echo "Cannot reach $identity" >&2; exit 1; }
check

echo "Open $(text verification_uri_complete)"
echo "or open $(text verification_uri) and enter the code $(text user_code)"
echo "The code expires in $(number expires_in) s. Waiting..."

device_code=$(text device_code)
interval=$(number interval)
while :; do
  sleep "${interval:-5}"
  answer=$(printf %s "$KONTUR_API_KEY" | call \
    --data grant_type=urn:ietf:params:oauth:grant-type:device_code \
    --data-urlencode "client_id=$KONTUR_CLIENT_ID" \
    --data-urlencode client_secret@- \
    --data scope=extern.api \
    --data-urlencode "device_code=$device_code" \
    "$identity/connect/token") || { echo "Cannot reach $identity" >&2; exit 1; }
  body=$(printf '%s\n' "$answer" | sed '$d')
  case $(text error) in
    authorization_pending) continue ;;  # the user has not confirmed yet
    slow_down) interval=$((${interval:-5} + 5)); continue ;;  # polled too often
  esac
  check  # stops on expired_token, access_denied, ...
  break
done

echo "token_type: $(text token_type)"
echo "expires_in: $(number expires_in)"
echo "access_token: $(text access_token)"
