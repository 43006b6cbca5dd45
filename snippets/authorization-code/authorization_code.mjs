// Authorization code flow: the user signs in in a browser, the app exchanges the code.

import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";

const IDENTITY = { test: "https://identity.testkontur.ru", production: "https://identity.kontur.ru" };
const REDIRECT_URI = "http://127.0.0.1:8400/callback";  // the sandbox's; ask Kontur for yours
const identity = address("KONTUR_IDENTITY_URL", IDENTITY);
const clientId = setting("KONTUR_CLIENT_ID");
const apiKey = setting("KONTUR_API_KEY");

// [START authorization_code]
const state = randomBytes(16).toString("hex");  // ties the answer to this very request (against CSRF)
console.log("Open this address in a browser and sign in:");
console.log(authorizeUrl(identity, clientId, state));
console.log("Then paste the address the browser was sent to:");
const code = codeFrom(await readLine(), state);

const form = new URLSearchParams({
  grant_type: "authorization_code",
  code,
  redirect_uri: REDIRECT_URI,
  client_id: clientId,
  client_secret: apiKey,
});
const token = await answer(await send(`${identity}/connect/token`, { method: "POST", body: form }));
console.log("token_type:", token.token_type);
console.log("expires_in:", token.expires_in);
console.log("access_token:", token.access_token);
// [END authorization_code]

// The sign-in page's address; a fresh nonce, as OpenID Connect asks, goes into the ID token.
function authorizeUrl(identity, clientId, state) {
  const query = Object.entries({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: "openid extern.api",
    state,
    nonce: randomBytes(16).toString("hex"),
  }).map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
  return `${identity}/connect/authorize?${query.join("&")}`;
}

async function readLine() {
  for await (const line of createInterface({ input: process.stdin })) return line.trim();
  return "";
}

// The code of the address the browser was sent to; stop if sign-in failed or was forged.
function codeFrom(pasted, state) {
  const redirect = URL.canParse(pasted) ? new URL(pasted).searchParams : new URLSearchParams();
  if (redirect.has("error")) fail(`${redirect.get("error")}: ${redirect.get("error_description") ?? ""}`);
  if (redirect.get("state") !== state || !redirect.has("code")) {
    fail("The address has no code or a foreign state: start over");
  }
  return redirect.get("code");
}

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
  if (!response.ok) {  // the OpenID provider answers 400 (not 401) with an "error" code
    const traceId = response.headers.get("X-Kontur-Trace-Id") ?? "";
    fail(`${response.status} ${body.error ?? response.statusText}: ${body.error_description ?? ""}\nX-Kontur-Trace-Id: ${traceId}`);
  }
  return body;
}
