// Runs one example program in this frame, as Node.js would run it: the page
// (live-examples.js) made the frame for one run and holds the job: the program's address,
// its environment, where its output goes, and the lines the reader types.
// What the programs use of Node.js beyond the browser is here: process.env, process.exit,
// process.stdin; console.log and console.error; node:* modules (node-*.js, by import map).

const job = parent.liveExamplesJob(frameElement);

// process.exit must stop the program where it is: nothing after it runs. Throwing stops
// the synchronous code; the job ignores anything the frame does after the exit.
class Exit extends Error {}

// What the examples print: strings and numbers, as Node.js writes them; objects as JSON.
function format(values) {
  const text = (value) => (typeof value === "object" && value !== null ? JSON.stringify(value) : String(value));
  return values.map(text).join(" ");
}

globalThis.process = {
  env: Object.freeze({ ...job.env }),
  exit(code = 0) {
    job.exit(Number(code) || 0);
    throw new Exit(`exit ${code}`);
  },
  stdin: job.stdin,
};
globalThis.console = {
  ...console,
  log: (...values) => job.write("stdout", format(values)),
  error: (...values) => job.write("stderr", format(values)),
};
// An exit inside a callback or a rejected promise arrives here; so does a real failure,
// which Node.js would print before exiting with 1.
function uncaught(error) {
  if (error instanceof Exit) return;
  job.write("stderr", String(error && error.stack ? error.stack : error));
  job.exit(1);
}
addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  uncaught(event.reason);
});
addEventListener("error", (event) => {
  event.preventDefault();
  uncaught(event.error);
});

import(job.program).then(() => job.exit(0), uncaught);
