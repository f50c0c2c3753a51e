/* Apply pages: a form marked data-submit-once disables its buttons after the first submit,
   so a double click sends one request. The server refuses a second submit anyway. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-submit-once")) {
      return;
    }
    if (form.getAttribute("data-submitted") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitted", "1");
    // After this turn of the event loop, so the browser has already taken the form data.
    window.setTimeout(function () {
      var buttons = form.querySelectorAll("button[type=submit]");
      for (var i = 0; i < buttons.length; i += 1) {
        buttons[i].disabled = true;
      }
    }, 0);
  });
})();
