// First call to the Extern API: get a token, then list the accounts (GET /v1).

const IDENTITY = { test: "https://identity.testkontur.ru", production: "https://identity.kontur.ru" };
const API = { test: "https://extern-api.testkontur.ru", production: "https://extern-api.kontur.ru" };
const identity = address("KONTUR_IDENTITY_URL", IDENTITY);
const api = address("KONTUR_API_URL", API);

// [START first_request]
const form = new URLSearchParams({
  grant_type: "client_credentials",
  client_id: setting("KONTUR_CLIENT_ID"),
  client_secret: setting("KONTUR_API_KEY"),  // the API key: never in the code
  scope: "extern.api",
});
const token = await answer(await send(`${identity}/connect/token`, { method: "POST", body: form }));

// The Extern API gets only the access token, never the API key.
const response = await send(`${api}/v1?skip=0&take=10`, {
  headers: { Authorization: `Bearer ${token.access_token}` },
});
await answer(response.clone());
console.log(await response.text());
// [END first_request]

// -- helpers: settings, requests, answers --------------------------------------------------

function fail(message) {
  console.error(message);
  process.exit(1);
}

function setting(name) {
  return process.env[name] || fail(`${name} is not set`);
}

// The server's address: `variable` if set, else that of the KONTUR_SITE environment.
function address(variable, defaults) {
  const site = process.env.KONTUR_SITE || "test";
  if (!Object.hasOwn(defaults, site)) fail("KONTUR_SITE must be test or production");
  const url = (process.env[variable] || defaults[site]).replace(/\/+$/, "");
  if (!/^https?:\/\//.test(url)) fail(`${variable} must start with http:// or https:// (it is ${url})`);
  return url;
}

// Send a request with a timeout; stop with a message saying what to check.
async function send(url, options) {
  try {
    return await fetch(url, { ...options, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    if (error.name === "TimeoutError") fail(`No answer from ${url} in 30 s: try again later`);
    fail(`Cannot connect to ${url}: is the server (or sandbox) running? Check KONTUR_IDENTITY_URL and KONTUR_API_URL`);
  }
}

// The JSON answer; on an error, stop with its code, description and trace id.
async function answer(response) {
  const body = await response.json().catch(() =>
    fail(`${response.url} answered HTTP ${response.status}, not JSON: wrong address?`));
  if (!response.ok) {  // the OpenID provider: 400 with "error"; the Extern API: "id"
    const error = body.error ?? body.id ?? response.statusText;
    const traceId = response.headers.get("X-Kontur-Trace-Id") ?? "";
    fail(`${response.status} ${error}: ${body.error_description ?? body.message ?? ""}\nX-Kontur-Trace-Id: ${traceId}`);
  }
  return body;
}
