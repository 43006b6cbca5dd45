// Live examples: the JavaScript tab of an example runs its program, the very file the page
// offers for download, in the reader's browser against the sandbox on their computer, and
// shows what it prints in place of the recording. LIVE_EXAMPLES (the words in the page's
// language, the sandbox's default settings) is set by docs/_ext/live_examples.py; each
// place for a Run control is an empty <div class="live-run"> in a JavaScript tab.
"use strict";

(() => {
  const LIVE = typeof LIVE_EXAMPLES === "object" ? LIVE_EXAMPLES : null;
  const SHIMS = new URL("live/", document.currentScript.src);
  // The Node.js modules the examples import, as small browser modules (docs/_static/live/).
  const IMPORTS = {
    "node:crypto": new URL("node-crypto.js", SHIMS).href,
    "node:readline": new URL("node-readline.js", SHIMS).href,
    "node:timers/promises": new URL("node-timers-promises.js", SHIMS).href,
  };
  const RUNNER = new URL("runner.js", SHIMS).href;
  const FIELDS = ["KONTUR_CLIENT_ID", "KONTUR_API_KEY", "KONTUR_IDENTITY_URL", "KONTUR_API_URL"];
  // The settings stay in this tab of the browser (sessionStorage), never on a server.
  const STORAGE_KEY = "kontur-live-settings";
  // Only a sandbox on this computer gets the settings: the API key goes nowhere else.
  const LOOPBACK = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;
  const LOOPBACK_LINK = /http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?[^\s"'<>]*/g;
  const PROBE_TIMEOUT = 5000;
  const jobs = new Map();
  let counter = 0;

  // The runner (live/runner.js) in the frame of a run asks for its job.
  window.liveExamplesJob = (frame) => jobs.get(frame);

  function say(name, values = {}) {
    return LIVE.labels[name].replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
  }

  // A sentence whose {command} is shown as code.
  function sentence(name, values, command) {
    const [before, after = ""] = say(name, values).split("{command}");
    const code = Object.assign(document.createElement("code"), { textContent: command || "" });
    return command ? [before, code, after] : [say(name, values)];
  }

  function element(tag, properties = {}, children = []) {
    const node = Object.assign(document.createElement(tag), properties);
    node.append(...children);
    return node;
  }

  // -- settings: environment, service name, API key, addresses ---------------------------

  function storedSettings() {
    const settings = { site: "test", ...structuredClone(LIVE.defaults) };
    try {
      const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "{}");
      if (stored.site in LIVE.defaults) settings.site = stored.site;
      for (const site of Object.keys(LIVE.defaults)) {
        for (const name of FIELDS) {
          if (typeof stored[site]?.[name] === "string") settings[site][name] = stored[site][name];
        }
      }
    } catch (error) {
      // no session storage, or garbled: the sandbox's defaults
    }
    return settings;
  }

  function store(settings) {
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(settings));
    } catch (error) {
      // no session storage: the settings last as long as the page
    }
  }

  function settingsForm(control) {
    const id = `live-${++counter}`;
    const settings = storedSettings();
    const site = element("select", { id: `${id}-site`, name: "KONTUR_SITE" }, Object.keys(LIVE.defaults).map(
      (name) => element("option", { value: name, textContent: `${LIVE.sites[name]} (${name})` }),
    ));
    site.value = settings.site;
    const inputs = Object.fromEntries(FIELDS.map((name) => [name, element("input", {
      id: `${id}-${name}`,
      name,
      type: name === "KONTUR_API_KEY" ? "password" : "text",
      autocomplete: "off",
      spellcheck: false,
    })]));
    const fill = () => {
      for (const name of FIELDS) inputs[name].value = settings[site.value][name];
    };
    fill();
    site.addEventListener("change", () => {
      settings.site = site.value;
      fill();
      store(settings);
    });
    for (const name of FIELDS) {
      inputs[name].addEventListener("change", () => {
        settings[site.value][name] = inputs[name].value.trim();
        store(settings);
      });
    }
    const reset = element("button", { type: "button", textContent: say("defaults") });
    reset.addEventListener("click", () => {
      settings[site.value] = { ...LIVE.defaults[site.value] };
      fill();
      store(settings);
    });
    const row = (input, label) => element("p", { className: "live-run__field" }, [
      element("label", { htmlFor: input.id, textContent: label }), input,
    ]);
    const form = element("form", { className: "live-run__settings" }, [
      row(site, say("site")),
      ...FIELDS.map((name) => row(inputs[name], say(name))),
      element("p", { textContent: say("kept") }),
      element("p", {}, [reset]),
    ]);
    form.addEventListener("submit", (event) => event.preventDefault());
    control.settings = () => {
      const values = Object.fromEntries(FIELDS.map((name) => [name, inputs[name].value.trim()]));
      settings.site = site.value;
      settings[site.value] = values;
      store(settings);
      return { KONTUR_SITE: site.value, ...values };
    };
    return element("details", { className: "live-run__details" }, [
      element("summary", { textContent: say("settings") }), form,
    ]);
  }

  // -- the output, in place of the recording ---------------------------------------------

  // The recording: everything of the example after its language tabs.
  function recording(example) {
    const tabs = example.querySelector(":scope > .sphinx-tabs");
    const parts = [];
    for (let next = tabs && tabs.nextElementSibling; next; next = next.nextElementSibling) {
      if (!next.classList.contains("live-output")) parts.push(next);
    }
    return parts;
  }

  function showRecording(example, shown) {
    for (const part of recording(example)) part.hidden = !shown;
    const panel = example.querySelector(":scope > .live-output");
    if (panel) panel.hidden = shown;
  }

  function outputPanel(example, control) {
    let panel = example.querySelector(":scope > .live-output");
    if (panel) return panel;
    const id = `live-output-${++counter}`;
    const input = element("input", { id: `${id}-input`, autocomplete: "off", spellcheck: false });
    panel = element("div", { className: "live-output", id }, [
      element("p", { className: "live-output__title", id: `${id}-title` }),
      element("div", { className: "highlight" }, [element("pre", { className: "live-output__text" })]),
      element("form", { className: "live-output__input", hidden: true }, [
        element("label", { htmlFor: input.id, textContent: say("input") }),
        input,
        element("button", { type: "submit", textContent: say("send") }),
      ]),
      element("p", { className: "live-output__end", role: "status" }),
      element("p", { className: "live-output__buttons" }, [
        element("button", { type: "button", className: "live-output__stop", textContent: say("stop") }),
        element("button", { type: "button", className: "live-output__back", textContent: say("back") }),
      ]),
    ]);
    panel.setAttribute("role", "region");
    panel.setAttribute("aria-labelledby", `${id}-title`);
    panel.querySelector(".live-output__back").addEventListener("click", () => {
      stop(panel);
      showRecording(example, true);
      control.querySelector(".live-run__start").focus();
    });
    panel.querySelector(".live-output__stop").addEventListener("click", () => {
      stop(panel);
      panel.querySelector(".live-output__end").textContent = say("stopped");
    });
    panel.querySelector(".live-output__input").addEventListener("submit", (event) => {
      event.preventDefault();
      const job = panel.job;
      if (job && job.waiting) {
        const line = input.value;
        input.value = "";
        event.target.hidden = true;
        job.waiting({ value: line, done: false });
        job.waiting = null;
      }
    });
    example.append(panel);
    return panel;
  }

  // Loopback addresses the program prints (the sandbox's sign-in pages) become links.
  function withLinks(text) {
    const parts = [];
    let last = 0;
    for (const match of text.matchAll(LOOPBACK_LINK)) {
      parts.push(text.slice(last, match.index));
      parts.push(element("a", { href: match[0], target: "_blank", rel: "noopener noreferrer", textContent: match[0] }));
      last = match.index + match[0].length;
    }
    parts.push(text.slice(last));
    return parts;
  }

  function stop(panel) {
    const job = panel.job;
    if (!job || job.ended) return;
    job.finish();
  }

  // -- a run -----------------------------------------------------------------------------

  // Why the sandbox at `url` cannot be used from this page: null when it can.
  async function unreachable(url) {
    const probe = `${url}/.well-known/openid-configuration`;
    try {
      await fetch(probe, { cache: "no-store", signal: AbortSignal.timeout(PROBE_TIMEOUT) });
      return null;
    } catch (error) {
      // refused by the browser, by the sandbox, or nobody listens: told apart below
    }
    for (const name of ["loopback-network", "local-network-access"]) {
      try {
        if ((await navigator.permissions.query({ name })).state === "denied") return "blocked";
      } catch (error) {
        // a permission this browser does not know
      }
    }
    try {
      // An opaque answer: the sandbox is there, but does not answer this page.
      await fetch(probe, { mode: "no-cors", cache: "no-store", signal: AbortSignal.timeout(PROBE_TIMEOUT) });
      return "refused";
    } catch (error) {
      return "down";
    }
  }

  function status(control, parts) {
    control.querySelector(".live-run__status").replaceChildren(...parts);
  }

  async function start(control) {
    const example = control.closest(".example");
    const env = control.settings();
    const addresses = [env.KONTUR_IDENTITY_URL, env.KONTUR_API_URL].filter(Boolean);
    status(control, []);
    if (location.protocol === "file:") return status(control, sentence("file", {}, "python3 -m http.server 8000"));
    if (!env.KONTUR_IDENTITY_URL || addresses.some((url) => !LOOPBACK.test(url))) {
      return status(control, [say("loopback")]);
    }
    const identity = env.KONTUR_IDENTITY_URL.replace(/\/+$/, "");
    const button = control.querySelector(".live-run__start");
    button.disabled = true;
    status(control, [say("checking")]);
    try {
      const problem = await unreachable(identity);
      if (problem === "down") return status(control, sentence("down", { url: identity }, "kontur-sandbox"));
      if (problem === "refused") {
        const command = `kontur-sandbox --allow-origin ${location.origin}`;
        return status(control, sentence("refused", { url: identity, origin: location.origin }, command));
      }
      if (problem === "blocked") return status(control, [say("blocked")]);
      // The file the page offers for download, run as it is.
      const download = control.closest('[role="tabpanel"]').querySelector('a.download[href$=".mjs"]');
      let source;
      try {
        const response = await fetch(download.href, { cache: "no-cache" });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        source = await response.text();
      } catch (error) {
        return status(control, [say("nofile", { url: download.href, error: error.message })]);
      }
      status(control, []);
      run(example, control, source, env);
    } finally {
      button.disabled = false;
    }
  }

  function run(example, control, source, env) {
    const panel = outputPanel(example, control);
    stop(panel);
    const text = panel.querySelector(".live-output__text");
    const end = panel.querySelector(".live-output__end");
    const input = panel.querySelector(".live-output__input");
    text.replaceChildren();
    end.textContent = say("running");
    input.hidden = true;
    panel.querySelector(".live-output__title").textContent = say("live", { site: LIVE.sites[env.KONTUR_SITE] });
    panel.querySelector(".live-output__stop").hidden = false;
    showRecording(example, false);

    const program = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    const frame = element("iframe", { hidden: true, title: say("live", { site: "" }) });
    const job = {
      program,
      env,
      ended: false,
      waiting: null,
      write(stream, line) {
        if (job.ended) return;
        const part = element("span", { className: `live-output__${stream}` }, withLinks(`${line}\n`));
        text.append(part);
      },
      exit(code) {
        if (job.ended) return;
        job.finish();
        end.textContent = say("exit", { code });
      },
      finish() {
        job.ended = true;
        jobs.delete(frame);
        // After the current task: the frame is still running the code that called exit.
        setTimeout(() => frame.remove());
        URL.revokeObjectURL(program);
        input.hidden = true;
        panel.querySelector(".live-output__stop").hidden = true;
      },
      stdin: {
        lines: () => ({
          next: () => new Promise((resolve) => {
            job.waiting = resolve;
            input.hidden = false;
            input.querySelector("input").focus();
          }),
          return: () => Promise.resolve({ value: undefined, done: true }),
        }),
      },
    };
    panel.job = job;
    jobs.set(frame, job);
    const map = JSON.stringify({ imports: IMPORTS }).replace(/</g, "\\u003c");
    frame.srcdoc = `<!doctype html><title>run</title><script type="importmap">${map}</script>`
      + `<script type="module" src="${RUNNER}"></script>`;
    document.body.append(frame);
  }

  // -- the controls ----------------------------------------------------------------------

  function setUp(control) {
    const button = element("button", { type: "button", className: "live-run__start", textContent: say("run") });
    button.addEventListener("click", () => start(control));
    control.append(
      element("p", { className: "live-run__intro", textContent: say("intro") }),
      settingsForm(control),
      element("p", {}, [button]),
      element("p", { className: "live-run__status", role: "status" }),
    );
  }

  function setUpAll() {
    if (!LIVE) return;
    for (const control of document.querySelectorAll(".live-run")) setUp(control);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll);
  else setUpAll();
})();
