/* The hall's kiosk (docs/halls.md, "Kiosk, board and ticket page"): back to the start after
   a while without a touch (data-idle-seconds; 0 on the start page), the print button, and on
   the start page the queues kept current from the hall's live channel. */
(function () {
  "use strict";

  var body = document.body;
  var idleSeconds = parseInt(body.dataset.idleSeconds || "0", 10);
  var idleUrl = body.dataset.idleUrl;
  var timer = null;

  function restart() {
    if (timer) {
      window.clearTimeout(timer);
    }
    if (idleSeconds > 0 && idleUrl) {
      timer = window.setTimeout(function () {
        window.location.replace(idleUrl);
      }, idleSeconds * 1000);
    }
  }

  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (name) {
    document.addEventListener(name, restart, { passive: true });
  });
  restart();

  // A kiosk opened as /kiosk/?print=auto prints every ticket at once (Chromium's
  // --kiosk-printing sends it to the receipt printer without a dialog).
  if (new URLSearchParams(window.location.search).get("print") === "auto") {
    window.sessionStorage.setItem("yiwang-kiosk-autoprint", "1");
  }
  var auto = window.sessionStorage.getItem("yiwang-kiosk-autoprint") === "1";
  document.querySelectorAll("[data-autoprint]").forEach(function (input) {
    input.value = auto ? "1" : "";
  });
  var printButton = document.querySelector("[data-print]");
  if (printButton) {
    printButton.addEventListener("click", function () {
      window.print();
    });
  }
  if (body.dataset.autoprint === "1") {
    window.setTimeout(function () {
      window.print();
    }, 300);
  }

  // The start page: how many wait and for how long, fetched again after changes.
  var list = document.querySelector(".kiosk-categories");
  var stateUrl = body.dataset.stateUrl;
  if (!list || !stateUrl || !window.YiwangLive || idleSeconds !== 0) {
    return;
  }
  var pending = null;
  var template = {
    waiting: list.dataset.waitingText,
    wait: list.dataset.waitText,
    none: list.dataset.noWaitText
  };

  function refresh() {
    pending = null;
    window
      .fetch(stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (!state) {
          return;
        }
        state.categories.forEach(function (c) {
          var item = list.querySelector('[data-category="' + c.id + '"]');
          if (!item) {
            return;
          }
          var waiting = item.querySelector("[data-waiting]");
          var wait = item.querySelector("[data-wait]");
          if (waiting && template.waiting) {
            waiting.textContent = template.waiting.replace("%(n)s", c.waiting);
          }
          if (wait && template.wait) {
            wait.textContent = c.wait_minutes
              ? template.wait.replace("%(m)s", c.wait_minutes)
              : template.none;
          }
        });
      })
      .catch(function () {});
  }

  window.YiwangLive.follow(body.dataset.channel, {
    onEvent: function () {
      if (!pending) {
        pending = window.setTimeout(refresh, 1000 + Math.random() * 1000);
      }
    },
    onReset: refresh
  });
})();
