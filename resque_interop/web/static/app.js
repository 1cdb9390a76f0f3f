// The dashboard's only script: confirm destructive actions, refresh live pages.
// Content comes back server-rendered and escaped; nothing from Redis is ever
// interpreted as script here.
"use strict";
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button && button.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});

(function poll() {
  const main = document.getElementById("main");
  if (!main || !main.dataset.poll) return;
  const every = Math.max(500, Number(main.dataset.poll) || 2000);
  let busy = false;
  setInterval(async () => {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(window.location.href, { headers: { "X-Resque-Partial": "1" }, credentials: "same-origin" });
      if (response.ok) {
        const html = await response.text();
        const parsed = new DOMParser().parseFromString(`<main>${html}</main>`, "text/html");
        main.replaceChildren(...parsed.body.firstChild.childNodes);
      }
    } catch (err) {
      // the next tick tries again
    } finally {
      busy = false;
    }
  }, every);
})();
