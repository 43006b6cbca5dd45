// Keyboard access on top of the theme and sphinx-tabs; no dependencies.
// SCROLLING_LABELS (the words for "code" and "table", in the page's language) is set by
// docs/_ext/accessibility.py.
"use strict";

// A code block or table that scrolls sideways is a named group in the Tab order, so a
// keyboard user can reach it and scroll it with the arrow keys. Only while it scrolls:
// the same block on a wide screen adds no Tab stop. (A group, not a region: a page of
// examples would fill the list of landmarks, with names that repeat.) A ResizeObserver sees every change
// of width, including a tab panel being shown.
const SCROLLABLE = ".highlight pre, .table-wrapper";

function scrollingName(element) {
  const table = element.matches(".table-wrapper");
  const kind = (typeof SCROLLING_LABELS === "object" && SCROLLING_LABELS[table ? "table" : "code"]) || "";
  const caption = table
    ? element.querySelector("caption")
    : element.closest(".literal-block-wrapper")?.querySelector(".code-block-caption .caption-text");
  const panel = element.closest('[role="tabpanel"]');
  const tab = panel && document.getElementById(panel.getAttribute("aria-labelledby"));
  const detail = (caption || tab)?.textContent.trim();
  return [kind, detail].filter(Boolean).join(": ");
}

function updateScrollable(element) {
  if (element.scrollWidth > element.clientWidth) {
    if (element.getAttribute("tabindex") === "0") return;
    element.setAttribute("tabindex", "0");
    element.setAttribute("role", "group");
    element.setAttribute("aria-label", scrollingName(element));
  } else if (element.hasAttribute("tabindex")) {
    element.removeAttribute("tabindex");
    element.removeAttribute("role");
    element.removeAttribute("aria-label");
  }
}

// Tabs as the WAI-ARIA tabs pattern has them: Left and Right arrows move to the previous
// and next tab and show it (wrapping around), Home and End to the first and last; Tab
// leaves the row for the panel. Only the selected tab of each row is in the Tab order.
// Showing a tab is a click on it, so everything a click does (sphinx-tabs' grouping,
// site.js remembering the choice) happens too.
const TAB_KEYS = {
  ArrowRight: (tabs, index) => tabs[(index + 1) % tabs.length],
  ArrowLeft: (tabs, index) => tabs[(index - 1 + tabs.length) % tabs.length],
  Home: (tabs) => tabs[0],
  End: (tabs) => tabs[tabs.length - 1],
};

function rovingTabindex(tab) {
  tab.setAttribute("tabindex", tab.getAttribute("aria-selected") === "true" ? "0" : "-1");
}

// Captured before sphinx-tabs' own handler, which moves focus without showing the tab.
window.addEventListener(
  "keydown",
  (event) => {
    const tab = event.target.closest && event.target.closest('[role="tab"]');
    const move = TAB_KEYS[event.key];
    if (!tab || !move || event.altKey || event.ctrlKey || event.metaKey) return;
    const tabs = Array.from(tab.parentNode.querySelectorAll(':scope > [role="tab"]'));
    const next = move(tabs, tabs.indexOf(tab));
    event.preventDefault();
    event.stopPropagation();
    if (next.getAttribute("aria-selected") !== "true") next.click();
    next.focus();
  },
  true,
);

window.addEventListener("DOMContentLoaded", () => {
  const resized = new ResizeObserver((entries) => {
    for (const entry of entries) updateScrollable(entry.target);
  });
  for (const element of document.querySelectorAll(SCROLLABLE)) resized.observe(element);

  const tabs = document.querySelectorAll('[role="tab"]');
  if (!tabs.length) return;
  tabs.forEach(rovingTabindex);
  // Whatever selects a tab (a click, a remembered choice, a group switching together)
  // moves the row's Tab stop to it.
  new MutationObserver((changes) => {
    for (const change of changes) rovingTabindex(change.target);
  }).observe(document.body, { subtree: true, attributeFilter: ["aria-selected"] });
});
