/* The agent's console (docs/hotline.md, "The agent's console"): the keys of a keyboard-only
   screen. The page works without this file — Enter saves, the fields' access keys
   (accesskey) are HTML's own, the "查询来电" button shows the history and the articles, the
   "清空" link starts over; here:
     Alt+letter   the element marked data-key="letter": a field gets the cursor, the
                  "查询来电" button (data-key-click) is pressed, K goes to the first article
                  (focus only: Enter then answers with it);
     Esc          clears the page for the next call (the "清空" link); in the subject and
                  area boxes the second Esc does, the first closes their suggestions;
     Ctrl+Enter   saves from the text box (Enter there is a new line);
     ↑ ↓          move between the knowledge base's articles. */
(function () {
  "use strict";

  var lastEscape = 0;

  function form() {
    return document.querySelector("[data-console-form]");
  }

  function answers() {
    return Array.prototype.slice.call(document.querySelectorAll("#console-knowledge .console-answer"));
  }

  function jump(event) {
    var match = /^Key([A-Z])$/.exec(event.code || "");
    if (!match) {
      return false;
    }
    var target = document.querySelector('[data-key="' + match[1].toLowerCase() + '"]');
    if (!target || target.disabled) {
      return false;
    }
    event.preventDefault();
    if (target.hasAttribute("data-key-click")) {
      target.click();
    } else {
      target.focus();
    }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var f = form();
    if (!f || event.repeat) {
      return;
    }
    var key = event.key;
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      jump(event);
      return;
    }
    if (key === "Escape" && !event.ctrlKey && !event.metaKey) {
      // In the subject and area boxes the first Esc closes their list of suggestions.
      if (event.target.hasAttribute && event.target.hasAttribute("list")) {
        var now = Date.now();
        if (now - lastEscape > 1500) {
          lastEscape = now;
          return;
        }
      }
      var clear = f.querySelector("[data-console-clear]");
      if (clear) {
        event.preventDefault();
        window.location.assign(clear.href);
      }
      return;
    }
    if (key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
      event.preventDefault();
      var save = f.querySelector("[data-console-save]");
      if (typeof f.requestSubmit === "function") {
        f.requestSubmit(save);
      } else {
        save.click();
      }
      return;
    }
    if ((key === "ArrowDown" || key === "ArrowUp") && event.target.classList.contains("console-answer")) {
      var all = answers();
      var next = all[all.indexOf(event.target) + (key === "ArrowDown" ? 1 : -1)];
      if (next) {
        event.preventDefault();
        next.focus();
      }
    }
  });
})();
