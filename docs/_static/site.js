// Small behaviours on top of the theme; no dependencies.
"use strict";

// The language switcher keeps the reader in the same section: section anchors
// are explicit labels, identical in every language.
document.addEventListener("click", (event) => {
  const link = event.target.closest(".language-switcher__link");
  if (!link || !window.location.hash) return;
  const target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  const section = target && target.closest("section[id]");
  const anchor = section ? section.id : window.location.hash.slice(1);
  link.href = link.href.split("#")[0] + "#" + encodeURIComponent(anchor);
});

// Tab choices (Python | curl, test | production) are remembered across pages, reloads
// and visits: sphinx-tabs keeps only the last one, and only for the browser session.
// Stored as the chosen tab names, latest last; a choice replaces any from the same group.
const TABS_KEY = "kontur-docs-tabs";

function storedTabs() {
  try {
    const names = JSON.parse(window.localStorage.getItem(TABS_KEY) || "[]");
    return Array.isArray(names) ? names.filter((name) => typeof name === "string") : [];
  } catch (error) {
    return [];  // storage disabled or garbled: tabs simply start at their defaults
  }
}

document.addEventListener("click", (event) => {
  const tab = event.target.closest(".sphinx-tabs-tab.group-tab");
  if (!tab) return;
  const group = Array.from(tab.parentNode.children, (sibling) => sibling.getAttribute("name"));
  const names = storedTabs().filter((name) => !group.includes(name));
  names.push(tab.getAttribute("name"));
  try {
    window.localStorage.setItem(TABS_KEY, JSON.stringify(names));
  } catch (error) {
    // storage disabled: the choice lasts for this page only
  }
});

window.addEventListener("DOMContentLoaded", () => {
  if (typeof selectNamedTabs !== "function") return;  // no tabs on this page
  for (const name of storedTabs()) {
    if (document.querySelector(`.sphinx-tabs-tab[name="${CSS.escape(name)}"]`)) {
      selectNamedTabs(name);
    }
  }
  // sphinx-tabs would then re-apply its own single session choice; ours already has it.
  try {
    window.sessionStorage.removeItem("sphinx-tabs-last-selected");
  } catch (error) {
    // no session storage: nothing to override
  }
});
