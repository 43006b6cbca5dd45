<?php
// First call to the Extern API: get a token, then list the accounts (GET /v1).

declare(strict_types=1);

const SITES = [  // the OpenID provider and the Extern API of each environment
    'test' => ['https://identity.testkontur.ru', 'https://extern-api.testkontur.ru'],
    'production' => ['https://identity.kontur.ru', 'https://extern-api.kontur.ru'],
];

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
    // The OpenID provider answers 400 (not 401) with "error"; the Extern API uses "id".
    $error = $answer['error'] ?? $answer['id'] ?? 'HTTP error';
    $description = $answer['error_description'] ?? $answer['message'] ?? '';
    fail("$status $error: $description\nX-Kontur-Trace-Id: $traceId");
}

$site = getenv('KONTUR_SITE') ?: 'test';
if (!isset(SITES[$site])) {
    fail('KONTUR_SITE must be test or production');
}
$identity = rtrim(getenv('KONTUR_IDENTITY_URL') ?: SITES[$site][0], '/');
$api = rtrim(getenv('KONTUR_API_URL') ?: SITES[$site][1], '/');

$form = [
    'grant_type' => 'client_credentials',
    'client_id' => setting('KONTUR_CLIENT_ID'),
    'client_secret' => setting('KONTUR_API_KEY'),
    'scope' => 'extern.api',
];
[$status, $body, $traceId] = send("$identity/connect/token", [CURLOPT_POSTFIELDS => http_build_query($form)]);
if ($status !== 200) {
    failWith($status, $body, $traceId);
}
$token = json_decode($body, true, flags: JSON_THROW_ON_ERROR);

// The Extern API gets only the access token, never the API key.
$query = http_build_query(['skip' => 0, 'take' => 10]);
[$status, $body, $traceId] = send("$api/v1?$query", [
    CURLOPT_HTTPHEADER => ["Authorization: Bearer {$token['access_token']}"],
]);
if ($status !== 200) {
    failWith($status, $body, $traceId);
}
echo $body, "\n";
