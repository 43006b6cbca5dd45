<?php
// Device flow: the user confirms the sign-in in a browser while the app polls for a token.

declare(strict_types=1);

const IDENTITY = ['test' => 'https://identity.testkontur.ru', 'production' => 'https://identity.kontur.ru'];
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

function fail(string $message): never
{
    fwrite(STDERR, $message . PHP_EOL);
    exit(1);
}

function setting(string $name): string
{
    return getenv($name) ?: fail("$name is not set");
}

/** Send a request with a timeout: [status, body, trace id]; stop if the server is unreachable. */
function send(string $url, array $options = []): array
{
    $traceId = '';
    $curl = curl_init($url);
    curl_setopt_array($curl, $options + [
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 30,
        CURLOPT_HEADERFUNCTION => function ($curl, string $header) use (&$traceId): int {
            if (stripos($header, 'X-Kontur-Trace-Id:') === 0) {
                $traceId = trim(substr($header, strlen('X-Kontur-Trace-Id:')));
            }
            return strlen($header);
        },
    ]);
    $body = curl_exec($curl);
    if ($body === false) {
        fail("Cannot reach $url: " . curl_error($curl));
    }
    return [curl_getinfo($curl, CURLINFO_RESPONSE_CODE), $body, $traceId];
}

/** Stop with the error code, its description and the trace id for support. */
function failWith(int $status, string $body, string $traceId): never
{
    try {
        $answer = (array) json_decode($body, true, flags: JSON_THROW_ON_ERROR);
    } catch (JsonException) {
        $answer = [];
    }
    // The OpenID provider answers 400 (not 401) with an "error" code.
    $error = $answer['error'] ?? 'HTTP error';
    $description = $answer['error_description'] ?? '';
    fail("$status $error: $description\nX-Kontur-Trace-Id: $traceId");
}

$site = getenv('KONTUR_SITE') ?: 'test';
if (!isset(IDENTITY[$site])) {
    fail('KONTUR_SITE must be test or production');
}
$identity = rtrim(getenv('KONTUR_IDENTITY_URL') ?: IDENTITY[$site], '/');

$client = [
    'client_id' => setting('KONTUR_CLIENT_ID'),
    'client_secret' => setting('KONTUR_API_KEY'),
    'scope' => 'extern.api',
];
[$status, $body, $traceId] = send("$identity/connect/deviceauthorization", [
    CURLOPT_POSTFIELDS => http_build_query($client),
]);
if ($status !== 200) {
    failWith($status, $body, $traceId);
}
$device = json_decode($body, true, flags: JSON_THROW_ON_ERROR);

echo "Open {$device['verification_uri_complete']}\n";
echo "or open {$device['verification_uri']} and enter the code {$device['user_code']}\n";
echo "The code expires in {$device['expires_in']} s. Waiting...\n";

$interval = $device['interval'] ?? 5;
$poll = $client + ['grant_type' => DEVICE_CODE, 'device_code' => $device['device_code']];
while (true) {
    sleep($interval);
    [$status, $body, $traceId] = send("$identity/connect/token", [CURLOPT_POSTFIELDS => http_build_query($poll)]);
    $error = $status === 400 ? json_decode($body, true)['error'] ?? null : null;
    if ($error === 'authorization_pending') {  // the user has not confirmed yet
        continue;
    }
    if ($error === 'slow_down') {  // polled too often: wait 5 s longer from now on
        $interval += 5;
        continue;
    }
    if ($status !== 200) {  // expired_token, access_denied, ...
        failWith($status, $body, $traceId);
    }
    break;
}

$token = json_decode($body, true, flags: JSON_THROW_ON_ERROR);
echo "token_type: {$token['token_type']}\n";
echo "expires_in: {$token['expires_in']}\n";
echo "access_token: {$token['access_token']}\n";
