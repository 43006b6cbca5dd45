// node:timers/promises for the examples run in the page: setTimeout as a promise.
export function setTimeout(delay, value) {
  return new Promise((resolve) => globalThis.setTimeout(resolve, delay, value));
}
