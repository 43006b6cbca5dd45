// Authorization code flow: the user signs in in a browser, the app exchanges the code.

import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";

const IDENTITY = { test: "https://identity.testkontur.ru", production: "https://identity.kontur.ru" };
const REDIRECT_URI = "http://127.0.0.1:8400/callback";  // the sandbox's; ask Kontur for yours

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
const clientId = setting("KONTUR_CLIENT_ID");
const apiKey = setting("KONTUR_API_KEY");

// A fresh random state ties the answer to this very request (protection against CSRF).
const state = randomBytes(16).toString("hex");
// A fresh nonce, as OpenID Connect asks: the provider puts it into the ID token it issues.
const nonce = randomBytes(16).toString("hex");
const query = Object.entries({
  response_type: "code",
  client_id: clientId,
  redirect_uri: REDIRECT_URI,
  scope: "openid extern.api",
  state,
  nonce,
}).map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
console.log("Open this address in a browser and sign in:");
console.log(`${identity}/connect/authorize?${query.join("&")}`);
console.log("Then paste the address the browser was sent to:");

let pasted = "";
for await (const line of createInterface({ input: process.stdin })) {
  pasted = line.trim();
  break;
}
const redirect = URL.canParse(pasted) ? new URL(pasted).searchParams : new URLSearchParams();
if (redirect.has("error")) {
  fail(`${redirect.get("error")}: ${redirect.get("error_description") ?? ""}`);
}
if (redirect.get("state") !== state || !redirect.has("code")) {
  fail("The address has no code or a foreign state: start over");
}

const form = new URLSearchParams({
  grant_type: "authorization_code",
  code: redirect.get("code"),
  redirect_uri: REDIRECT_URI,
  client_id: clientId,
  client_secret: apiKey,
});
const response = await send(`${identity}/connect/token`, { method: "POST", body: form });
if (!response.ok) await failWith(response);
const token = await response.json();

console.log("token_type:", token.token_type);
console.log("expires_in:", token.expires_in);
console.log("access_token:", token.access_token);
