/* The window's workbench: keyboard shortcuts for the two steps done fifty times a day —
   N calls the next number, R calls the same one again — while the cursor is not in a field.
   The buttons work without it. */
(function () {
  "use strict";

  function editable(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "select" || tag === "textarea" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.repeat || editable(event.target)) {
      return;
    }
    var key = (event.key || "").toLowerCase();
    if (key !== "n" && key !== "r") {
      return;
    }
    var button = document.querySelector('#window-screen button[data-shortcut="' + key + '"]');
    if (!button || button.disabled) {
      return;
    }
    event.preventDefault();
    button.click();
  });

  /* The hall's live channel (docs/live.md): every change in the hall — a number taken,
     called or finished at another window — fires `hall-changed` on <body>, which the queue
     and staffing panels listen for (they also poll, should the stream be down). */
  function followHall() {
    var marker = document.querySelector("[data-hall-channel]");
    if (!marker || !window.YiwangLive) {
      return;
    }
    var changed = function () {
      document.body.dispatchEvent(new CustomEvent("hall-changed"));
    };
    window.YiwangLive.follow(marker.getAttribute("data-hall-channel"), {
      onEvent: changed,
      onReset: changed,
    });
  }

  /* The item picker of the settings page: a filter box over the long list of items. */
  function setUpPickers() {
    var boxes = document.querySelectorAll("[data-item-filter]");
    Array.prototype.forEach.call(boxes, function (box) {
      var list = document.getElementById(box.getAttribute("data-item-filter"));
      if (!list) {
        return;
      }
      box.hidden = false;
      box.querySelector("input").addEventListener("input", function (event) {
        var words = event.target.value.trim().toLowerCase();
        Array.prototype.forEach.call(list.querySelectorAll("li"), function (row) {
          var checked = row.querySelector("input:checked");
          row.hidden = !!words && !checked && row.textContent.toLowerCase().indexOf(words) < 0;
        });
      });
    });
  }

  function setUp() {
    setUpPickers();
    followHall();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
