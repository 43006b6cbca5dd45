// Device flow: the user confirms the sign-in in a browser while the app polls for a token.

import { setTimeout as sleep } from "node:timers/promises";

const IDENTITY = { test: "https://identity.testkontur.ru", production: "https://identity.kontur.ru" };
const DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";

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

const client = {
  client_id: setting("KONTUR_CLIENT_ID"),
  client_secret: setting("KONTUR_API_KEY"),
  scope: "extern.api",
};
let response = await send(`${identity}/connect/deviceauthorization`, {
  method: "POST",
  body: new URLSearchParams(client),
});
if (!response.ok) await failWith(response);
const device = await response.json();

console.log("Open", device.verification_uri_complete);
console.log("or open", device.verification_uri, "and enter the code", device.user_code);
console.log(`The code expires in ${device.expires_in} s. Waiting...`);

let interval = device.interval ?? 5;
const poll = new URLSearchParams({ ...client, grant_type: DEVICE_CODE, device_code: device.device_code });
for (;;) {
  await sleep(interval * 1000);
  response = await send(`${identity}/connect/token`, { method: "POST", body: poll });
  if (response.ok) break;
  const { error } = await response.clone().json().catch(() => ({}));
  if (error === "authorization_pending") continue;  // the user has not confirmed yet
  if (error === "slow_down") {  // polled too often: wait 5 s longer from now on
    interval += 5;
    continue;
  }
  await failWith(response);  // expired_token, access_denied, ...
}

const token = await response.json();
console.log("token_type:", token.token_type);
console.log("expires_in:", token.expires_in);
console.log("access_token:", token.access_token);
