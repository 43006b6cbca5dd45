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
