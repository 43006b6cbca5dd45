<?php
// Authorization code flow: the user signs in in a browser, the app exchanges the code.

declare(strict_types=1);

const IDENTITY = ['test' => 'https://identity.testkontur.ru', 'production' => 'https://identity.kontur.ru'];
const REDIRECT_URI = 'http://127.0.0.1:8400/callback'; // the sandbox's; ask Kontur for yours

$identity = address('KONTUR_IDENTITY_URL', IDENTITY);
$clientId = setting('KONTUR_CLIENT_ID');
$apiKey = setting('KONTUR_API_KEY');

// [START authorization_code]
$state = bin2hex(random_bytes(16)); // ties the answer to this very request (against CSRF)
echo "Open this address in a browser and sign in:\n";
echo authorizeUrl($identity, $clientId, $state), "\n";
echo "Then paste the address the browser was sent to:\n";
$code = codeFrom(trim((string) fgets(STDIN)), $state);

$token = answer(post("$identity/connect/token", [
    'grant_type' => 'authorization_code',
    'code' => $code,
    'redirect_uri' => REDIRECT_URI,
    'client_id' => $clientId,
    'client_secret' => $apiKey,
]));
echo "token_type: {$token['token_type']}\n";
echo "expires_in: {$token['expires_in']}\n";
echo "access_token: {$token['access_token']}\n";
// [END authorization_code]

/** The sign-in page's address; a fresh nonce, as OpenID Connect asks, goes into the ID token. */
function authorizeUrl(string $identity, string $clientId, string $state): string
{
    return "$identity/connect/authorize?" . http_build_query([
        'response_type' => 'code',
        'client_id' => $clientId,
        'redirect_uri' => REDIRECT_URI,
        'scope' => 'openid extern.api',
        'state' => $state,
        'nonce' => bin2hex(random_bytes(16)),
    ], '', '&', PHP_QUERY_RFC3986);
}

/** The code of the address the browser was sent to; stop if sign-in failed or was forged. */
function codeFrom(string $redirect, string $state): string
{
    parse_str((string) parse_url($redirect, PHP_URL_QUERY), $query);
    if (isset($query['error'])) {
        fail("{$query['error']}: " . ($query['error_description'] ?? ''));
    }
    if (($query['state'] ?? null) !== $state || !is_string($query['code'] ?? null)) {
        fail('The address has no code or a foreign state: start over');
    }
    return $query['code'];
}

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
    // The OpenID provider answers 400 (not 401) with an "error" code.
    $error = $body['error'] ?? 'HTTP error';
    $description = $body['error_description'] ?? '';
    fail("$response->status $error: $description\nX-Kontur-Trace-Id: $response->traceId");
}
