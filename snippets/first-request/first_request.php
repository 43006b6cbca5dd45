<?php
// First call to the Extern API: get a token, then list the accounts (GET /v1).

declare(strict_types=1);

const IDENTITY = ['test' => 'https://identity.testkontur.ru', 'production' => 'https://identity.kontur.ru'];
const API = ['test' => 'https://extern-api.testkontur.ru', 'production' => 'https://extern-api.kontur.ru'];

$identity = address('KONTUR_IDENTITY_URL', IDENTITY);
$api = address('KONTUR_API_URL', API);

// [START first_request]
$token = answer(post("$identity/connect/token", [
    'grant_type' => 'client_credentials',
    'client_id' => setting('KONTUR_CLIENT_ID'),
    'client_secret' => setting('KONTUR_API_KEY'), // the API key: never in the code
    'scope' => 'extern.api',
]));

// The Extern API gets only the access token, never the API key.
$accounts = send("$api/v1?skip=0&take=10", [
    CURLOPT_HTTPHEADER => ["Authorization: Bearer {$token['access_token']}"],
]);
answer($accounts);
echo $accounts->body, "\n";
// [END first_request]

// -- helpers: settings, requests, answers -------------------------------------------------

function fail(string $message): never
{
    fwrite(STDERR, $message . PHP_EOL);
    exit(1);
}

function setting(string $name): string
{
    return getenv($name) ?: fail("$name is not set");
}

/** The server's address: $variable if set, else that of the KONTUR_SITE environment. */
function address(string $variable, array $defaults): string
{
    $site = getenv('KONTUR_SITE') ?: 'test';
    $defaults[$site] ?? fail('KONTUR_SITE must be test or production');
    $url = rtrim(getenv($variable) ?: $defaults[$site], '/');
    if (!preg_match('~^https?://~', $url)) {
        fail("$variable must start with http:// or https:// (it is $url)");
    }
    return $url;
}

/** What a server answered, and the trace id support asks for. */
final class Response
{
    public function __construct(
        public readonly string $url,
        public readonly int $status,
        public readonly string $body,
        public readonly string $traceId,
    ) {
    }
}

/** POST the HTML form $fields. */
function post(string $url, array $fields): Response
{
    return send($url, [CURLOPT_POSTFIELDS => http_build_query($fields)]);
}

/** Send a request with a timeout; stop with a message saying what to check. */
function send(string $url, array $options = []): Response
{
    $traceId = '';
    $curl = curl_init($url);
    curl_setopt_array($curl, $options + [
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 30,
        CURLOPT_HEADERFUNCTION => function ($curl, string $header) use (&$traceId): int {
            if (preg_match('/^X-Kontur-Trace-Id:\s*(\S+)/i', $header, $match)) {
                $traceId = $match[1];
            }
            return strlen($header);
        },
    ]);
    $body = curl_exec($curl);
    if ($body === false) {
        fail(curl_errno($curl) === CURLE_OPERATION_TIMEDOUT
            ? "No answer from $url in 30 s: try again later"
            : "Cannot connect to $url: is the server (or sandbox) running?"
                . ' Check KONTUR_IDENTITY_URL and KONTUR_API_URL');
    }
    return new Response($url, curl_getinfo($curl, CURLINFO_RESPONSE_CODE), $body, $traceId);
}

/** The JSON answer; on an error, stop with its code, description and trace id. */
function answer(Response $response): array
{
    try {
        $body = json_decode($response->body, true, flags: JSON_THROW_ON_ERROR);
    } catch (JsonException) {
        $body = null;
    }
    if (!is_array($body)) {
        fail("$response->url answered HTTP $response->status, not JSON: wrong address?");
    }
    if ($response->status === 200) {
        return $body;
    }
    // The OpenID provider answers 400 with "error"; the Extern API uses "id" and "message".
    $error = $body['error'] ?? $body['id'] ?? 'HTTP error';
    $description = $body['error_description'] ?? $body['message'] ?? '';
    fail("$response->status $error: $description\nX-Kontur-Trace-Id: $response->traceId");
}
