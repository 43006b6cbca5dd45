// First call to the Extern API: get a token, then list the accounts (GET /v1).

const SITES = {  // the OpenID provider and the Extern API of each environment
  test: ["https://identity.testkontur.ru", "https://extern-api.testkontur.ru"],
  production: ["https://identity.kontur.ru", "https://extern-api.kontur.ru"],
};

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
  // The OpenID provider answers 400 (not 401) with "error"; the Extern API uses "id".
  const error = answer.error || answer.id || response.statusText;
  const description = answer.error_description || answer.message || "";
  const traceId = response.headers.get("X-Kontur-Trace-Id") ?? "";
  fail(`${response.status} ${error}: ${description}\nX-Kontur-Trace-Id: ${traceId}`);
}

const site = process.env.KONTUR_SITE || "test";
if (!Object.hasOwn(SITES, site)) fail("KONTUR_SITE must be test or production");
const identity = (process.env.KONTUR_IDENTITY_URL || SITES[site][0]).replace(/\/+$/, "");
const api = (process.env.KONTUR_API_URL || SITES[site][1]).replace(/\/+$/, "");

const form = new URLSearchParams({
  grant_type: "client_credentials",
  client_id: setting("KONTUR_CLIENT_ID"),
  client_secret: setting("KONTUR_API_KEY"),
  scope: "extern.api",
});
let response = await send(`${identity}/connect/token`, { method: "POST", body: form });
if (!response.ok) await failWith(response);
const token = await response.json();

// The Extern API gets only the access token, never the API key.
const query = new URLSearchParams({ skip: 0, take: 10 });
response = await send(`${api}/v1?${query}`, {
  headers: { Authorization: `Bearer ${token.access_token}` },
});
if (!response.ok) await failWith(response);
console.log(await response.text());
