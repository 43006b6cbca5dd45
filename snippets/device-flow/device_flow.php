<?php
// Device flow: the user confirms the sign-in in a browser while the app polls for a token.

declare(strict_types=1);

const IDENTITY = ['test' => 'https://identity.testkontur.ru', 'production' => 'https://identity.kontur.ru'];
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

$identity = address('KONTUR_IDENTITY_URL', IDENTITY);

// [START device_flow]
$client = [
    'client_id' => setting('KONTUR_CLIENT_ID'),
    'client_secret' => setting('KONTUR_API_KEY'), // the API key: never in the code
    'scope' => 'extern.api',
];
$device = answer(post("$identity/connect/deviceauthorization", $client));
echo "Open {$device['verification_uri_complete']}\n";
echo "or open {$device['verification_uri']} and enter the code {$device['user_code']}\n";
echo "The code expires in {$device['expires_in']} s. Waiting...\n";

$poll = $client + ['grant_type' => DEVICE_CODE, 'device_code' => $device['device_code']];
$token = waitForToken("$identity/connect/token", $poll, $device['interval'] ?? 5);
echo "token_type: {$token['token_type']}\n";
echo "expires_in: {$token['expires_in']}\n";
echo "access_token: {$token['access_token']}\n";
// [END device_flow]

/** Poll the token endpoint until the user confirms (RFC 8628: $interval seconds apart). */
function waitForToken(string $url, array $poll, int $interval): array
{
    while (true) {
        sleep($interval);
        $response = post($url, $poll);
        $error = $response->status === 400 ? (json_decode($response->body, true)['error'] ?? '') : '';
        if ($error === 'authorization_pending') { // the user has not confirmed yet
            continue;
        }
        if ($error === 'slow_down') { // polled too often: wait 5 s longer from now on
            $interval += 5;
            continue;
        }
        return answer($response); // the token, or stop: expired_token, access_denied, ...
    }
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
