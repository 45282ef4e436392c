// On the sign-in page: a browser whose short-lived access cookie expired may still hold a refresh cookie
// (sent only to /v1/auth). Try it once; on success go back to the page that asked for a sign-in.
(function () {
  "use strict";
  const script = document.getElementById("refresh-script");
  const csrf = document.cookie.split("; ").find(function (c) { return c.startsWith("robnu_csrf="); });
  if (!script || !csrf) return;
  // Once in a while only: a session the server refuses after a refresh must not bounce back and forth.
  const last = Number(sessionStorage.getItem("robnu-refresh-tried") || 0);
  if (Date.now() - last < 30000) return;
  sessionStorage.setItem("robnu-refresh-tried", String(Date.now()));
  fetch("/v1/auth/refresh", {
    method: "POST", credentials: "same-origin",
    headers: { "X-CSRF-Token": decodeURIComponent(csrf.split("=")[1]) },
  }).then(function (r) { if (r.ok) window.location.replace(script.dataset.next || "/"); }).catch(function () {});
})();
