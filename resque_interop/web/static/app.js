// The dashboard's only script: confirm destructive actions, and live refresh.
// Content comes back server-rendered and escaped; nothing from Redis is ever
// interpreted as script here.
"use strict";
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button && button.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});

// Live refresh: off until the visible button turns it on (remembered in this
// browser). Each tick asks /api/info, a few hundred bytes of JSON; only when
// that changed (or every tenth tick) is the page asked for, with its ETag, so
// an unchanged page costs a bodiless 304. Unchanged ticks back off to 30 s;
// large pages are asked for less often. Focus is never moved: the element
// that has it is found again in the new content, or the update waits.
(function live() {
  const main = document.getElementById("main");
  const toggle = document.getElementById("live-toggle");
  const status = document.getElementById("live-status");
  if (!main || !main.dataset.poll || !toggle) return;
  const base = Math.max(500, Number(main.dataset.poll) || 2000);
  const STORE = "resque-live";
  let on = false;
  try { on = window.localStorage.getItem(STORE) === "on"; } catch (err) { on = false; }
  let delay = base;
  let timer = null;
  let lastInfo = null;
  let etag = null;
  let ticks = 0;
  let waiting = false;

  function show() {
    toggle.hidden = false;
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = on ? "Live refresh: on (pause)" : "Live refresh: off";
    status.textContent = !on ? "" : waiting ? "an update waits until focus leaves the changed part"
      : `checking every ${Math.round(delay / 100) / 10} s`;
  }

  function later() {
    window.clearTimeout(timer);
    if (on) timer = window.setTimeout(tick, delay);
  }

  const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  function keyOf(el) {
    const form = el.closest("form");
    return [el.tagName, el.getAttribute("href") || "", form ? form.getAttribute("action") : "",
      el.textContent.trim()].join("\u0000");
  }

  function findSame(root, key, nth) {
    let seen = 0;
    for (const el of root.querySelectorAll(FOCUSABLE)) {
      if (keyOf(el) === key && seen++ === nth) return el;
    }
    return null;
  }

  function replace(html) {
    const fresh = new DOMParser().parseFromString(`<main>${html}</main>`, "text/html").body.firstChild;
    const active = document.activeElement;
    if (active && active !== document.body && main.contains(active)) {
      const key = keyOf(active);
      const nth = Array.from(main.querySelectorAll(FOCUSABLE)).filter((el) => keyOf(el) === key).indexOf(active);
      const same = findSame(fresh, key, nth);
      if (!same) { waiting = true; return false; }
      main.replaceChildren(...fresh.childNodes);
      same.focus({ preventScroll: true });
    } else {
      main.replaceChildren(...fresh.childNodes);
    }
    waiting = false;
    return true;
  }

  async function tick() {
    if (document.hidden) { later(); return; }
    try {
      const info = await (await fetch(main.dataset.pollInfo, { credentials: "same-origin" })).text();
      ticks += 1;
      if (info !== lastInfo || ticks % 10 === 0 || waiting) {
        lastInfo = info;
        const headers = { "X-Resque-Partial": "1" };
        if (etag) headers["If-None-Match"] = etag;
        const response = await fetch(window.location.href, { headers, credentials: "same-origin" });
        if (response.status === 200) {
          const html = await response.text();
          if (replace(html)) etag = response.headers.get("ETag");
          // a big page is asked for less often: one base interval per 64 KB
          delay = Math.min(60000, base * Math.max(1, Math.ceil(html.length / 65536)));
        } else {
          delay = Math.min(30000, delay * 1.5);
        }
      } else {
        delay = Math.min(30000, delay * 1.5);
      }
    } catch (err) {
      delay = Math.min(60000, delay * 2);
    }
    show();
    later();
  }

  async function start() {
    delay = base;
    try {
      lastInfo = await (await fetch(main.dataset.pollInfo, { credentials: "same-origin" })).text();
    } catch (err) {
      lastInfo = null;
    }
    show();
    later();
  }

  toggle.addEventListener("click", () => {
    on = !on;
    try { window.localStorage.setItem(STORE, on ? "on" : "off"); } catch (err) { /* private mode */ }
    if (on) start(); else { window.clearTimeout(timer); show(); }
  });
  show();
  if (on) start();
})();
