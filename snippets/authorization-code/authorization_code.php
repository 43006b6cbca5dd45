<?php
// Authorization code flow: the user signs in in a browser, the app exchanges the code.

declare(strict_types=1);

const IDENTITY = ['test' => 'https://identity.testkontur.ru', 'production' => 'https://identity.kontur.ru'];
const REDIRECT_URI = 'http://127.0.0.1:8400/callback';  // the sandbox's; ask Kontur for yours

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
$clientId = setting('KONTUR_CLIENT_ID');
$apiKey = setting('KONTUR_API_KEY');

// A fresh random state ties the answer to this very request (protection against CSRF).
$state = bin2hex(random_bytes(16));
// A fresh nonce, as OpenID Connect asks: the provider puts it into the ID token it issues.
$nonce = bin2hex(random_bytes(16));
$query = [
    'response_type' => 'code',
    'client_id' => $clientId,
    'redirect_uri' => REDIRECT_URI,
    'scope' => 'openid extern.api',
    'state' => $state,
    'nonce' => $nonce,
];
echo "Open this address in a browser and sign in:\n";
echo "$identity/connect/authorize?" . http_build_query($query, '', '&', PHP_QUERY_RFC3986) . "\n";
echo "Then paste the address the browser was sent to:\n";

parse_str((string) parse_url(trim((string) fgets(STDIN)), PHP_URL_QUERY), $redirect);
if (isset($redirect['error'])) {
    fail("{$redirect['error']}: " . ($redirect['error_description'] ?? ''));
}
if (($redirect['state'] ?? null) !== $state || !isset($redirect['code'])) {
    fail('The address has no code or a foreign state: start over');
}

$form = [
    'grant_type' => 'authorization_code',
    'code' => $redirect['code'],
    'redirect_uri' => REDIRECT_URI,
    'client_id' => $clientId,
    'client_secret' => $apiKey,
];
[$status, $body, $traceId] = send("$identity/connect/token", [CURLOPT_POSTFIELDS => http_build_query($form)]);
if ($status !== 200) {
    failWith($status, $body, $traceId);
}
$token = json_decode($body, true, flags: JSON_THROW_ON_ERROR);

echo "token_type: {$token['token_type']}\n";
echo "expires_in: {$token['expires_in']}\n";
echo "access_token: {$token['access_token']}\n";
