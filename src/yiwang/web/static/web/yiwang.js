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

  /* Form checks in the page's language, not the browser's: the browser's own bubble
     ("Please fill out this field.") follows the browser's locale, so an English page on a
     Chinese browser would show Chinese. The words come from the page (gettext), in
     <template id="validation-messages">; the server checks everything again. */
  function validationMessage(field, words) {
    var v = field.validity;
    var n = function (text, value) {
      return (text || "").replace("{n}", value);
    };
    if (v.valueMissing) {
      if (field.type === "checkbox") {
        return words.checkbox;
      }
      if (field.type === "radio") {
        return words.radio;
      }
      if (field.type === "file") {
        return words.file;
      }
      return field.tagName === "SELECT" ? words.select : words.required;
    }
    if (v.typeMismatch) {
      return field.type === "email" ? words.email : field.type === "url" ? words.url : words.invalid;
    }
    if (v.tooLong) {
      return n(words.tooLong, field.maxLength);
    }
    if (v.tooShort) {
      return n(words.tooShort, field.minLength);
    }
    if (v.rangeUnderflow) {
      return n(words.min, field.min);
    }
    if (v.rangeOverflow) {
      return n(words.max, field.max);
    }
    if (v.patternMismatch) {
      return field.title || words.pattern;
    }
    return words.invalid;
  }

  function setUpValidationMessages() {
    var source = document.getElementById("validation-messages");
    if (!source) {
      return;
    }
    var words = source.dataset;
    document.addEventListener(
      "invalid",
      function (event) {
        var field = event.target;
        field.setCustomValidity("");
        if (!field.validity.valid) {
          field.setCustomValidity(validationMessage(field, words));
        }
      },
      true
    );
    var clear = function (event) {
      var field = event.target;
      if (field && typeof field.setCustomValidity === "function") {
        field.setCustomValidity("");
        if (field.type === "radio" && field.form && field.name) {
          Array.prototype.forEach.call(field.form.elements[field.name] || [], function (r) {
            r.setCustomValidity("");
          });
        }
      }
    };
    document.addEventListener("input", clear, true);
    document.addEventListener("change", clear, true);
  }

  /* After a post and its redirect the page marks the part just handled (e.g. the material
     a file went to) with data-focus-on-load: the keyboard continues there, not at the top. */
  function focusWhatWasHandled() {
    var spot = document.querySelector("[data-focus-on-load]");
    if (spot) {
      spot.focus({ preventScroll: false });
    }
  }

  /* Small screens: the header is one line (the site's name and a menu button); the search
     and the toolbar open below it on demand. Without this script the header shows all. */
  var NARROW = window.matchMedia("(max-width: 40rem)");

  function setUpHeaderMenu() {
    var header = document.querySelector(".site-header");
    var button = header && header.querySelector(".menu-button");
    if (!button) {
      return;
    }
    button.hidden = false;
    header.classList.add("has-menu");

    function show(open) {
      header.classList.toggle("menu-open", open);
      button.setAttribute("aria-expanded", open || !NARROW.matches ? "true" : "false");
    }

    button.addEventListener("click", function () {
      show(!header.classList.contains("menu-open"));
    });
    // Escape closes the open menu and gives the keyboard back to its button.
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open") && NARROW.matches) {
        show(false);
        button.focus();
      }
    });
    NARROW.addEventListener("change", function () {
      show(header.classList.contains("menu-open"));
    });
    show(false);
  }

  function setUp() {
    setUpHeaderMenu();
    setUpSessionWarning();
    setUpValidationMessages();
    focusWhatWasHandled();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
