/* Yiwang page helpers. Everything here is an extra: every page works without it. */
(function () {
  "use strict";

  var WARN_BEFORE_SECONDS = 120;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      return meta.content;
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* Session expiry: the server ends a session after SESSION_COOKIE_AGE seconds without a
     request. Warn two minutes before, and let the user keep it alive with one click. */
  function setUpSessionWarning() {
    var body = document.body;
    var age = parseInt(body.getAttribute("data-session-age") || "", 10);
    var url = body.getAttribute("data-keepalive-url");
    var banner = document.getElementById("session-warning");
    if (!age || !url || !banner) {
      return;
    }
    var timer = null;

    function schedule() {
      window.clearTimeout(timer);
      var delay = Math.max(age - WARN_BEFORE_SECONDS, 0) * 1000;
      timer = window.setTimeout(function () {
        banner.hidden = false;
        var button = banner.querySelector("[data-session-keepalive]");
        if (button) {
          button.focus();
        }
      }, delay);
    }

    var keep = banner.querySelector("[data-session-keepalive]");
    if (keep) {
      keep.addEventListener("click", function () {
        fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
          redirect: "manual",
        })
          .then(function (response) {
            if (response.status === 204) {
              banner.hidden = true;
              schedule();
            } else {
              window.location.reload(); // the session is already gone: show the login page
            }
          })
          .catch(function () {
            window.location.reload();
          });
      });
    }

    var dismiss = banner.querySelector("[data-session-dismiss]");
    if (dismiss) {
      dismiss.addEventListener("click", function () {
        banner.hidden = true;
      });
    }

    // htmx requests also restart the server's clock.
    document.body.addEventListener("htmx:afterRequest", schedule);
    schedule();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpSessionWarning);
  } else {
    setUpSessionWarning();
  }
})();
