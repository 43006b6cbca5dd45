// Client credentials flow: exchange the service name and API key for an access token.

const IDENTITY = { test: "https://identity.testkontur.ru", production: "https://identity.kontur.ru" };

function fail(message) {
  console.error(message);
  process.exit(1);
}

function setting(name) {
  return process.env[name] || fail(`${name} is not set`);
}

// Send a request with a timeout; stop with a clear message if the server is unreachable.
async function send(url, options = {}) {
  try {
    return await fetch(url, { ...options, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    fail(`Cannot reach ${url}: ${error.cause?.code ?? error.name}`);
  }
}

// Stop with the error code, its description and the trace id for support.
async function failWith(response) {
  const answer = await response.json().catch(() => ({}));
  // The OpenID provider answers 400 (not 401) with an "error" code.
  const error = answer.error ?? response.statusText;
  const traceId = response.headers.get("X-Kontur-Trace-Id") ?? "";
  fail(`${response.status} ${error}: ${answer.error_description ?? ""}\nX-Kontur-Trace-Id: ${traceId}`);
}

const site = process.env.KONTUR_SITE || "test";
if (!Object.hasOwn(IDENTITY, site)) fail("KONTUR_SITE must be test or production");
const identity = (process.env.KONTUR_IDENTITY_URL || IDENTITY[site]).replace(/\/+$/, "");

const form = new URLSearchParams({
  grant_type: "client_credentials",
  client_id: setting("KONTUR_CLIENT_ID"),
  client_secret: setting("KONTUR_API_KEY"),
  scope: "extern.api",
});
const response = await send(`${identity}/connect/token`, { method: "POST", body: form });
if (!response.ok) await failWith(response);
const token = await response.json();

console.log("token_type:", token.token_type);
console.log("expires_in:", token.expires_in);
console.log("access_token:", token.access_token);
