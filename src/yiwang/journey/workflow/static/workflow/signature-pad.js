/* The hand-over screen's signature pad: draws on a canvas and puts the PNG in the hidden
   "signature" field. An extra: without it the clerk confirms with the SMS code. */
(function () {
  "use strict";

  function setUp(box) {
    var form = box.closest("form");
    var canvas = box.querySelector("canvas");
    var field = box.querySelector('input[name="signature"]');
    var clear = box.querySelector("[data-signature-clear]");
    var context = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    box.hidden = false;
    function blank() {
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
    }
    blank();
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.strokeStyle = "#111";

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - rect.left) * canvas.width) / rect.width,
        y: ((event.clientY - rect.top) * canvas.height) / rect.height,
      };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      var p = point(event);
      context.beginPath();
      context.moveTo(p.x, p.y);
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) {
        return;
      }
      var p = point(event);
      context.lineTo(p.x, p.y);
      context.stroke();
      drawn = true;
    });
    function stop() {
      if (drawing && drawn) {
        field.value = canvas.toDataURL("image/png");
      }
      drawing = false;
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    clear.addEventListener("click", function () {
      blank();
      field.value = "";
      drawn = false;
    });
    function showMethod() {
      var chosen = form.querySelector('input[name="confirmation"]:checked');
      var signature = chosen && chosen.value === "signature";
      box.hidden = !signature;
      form.querySelector(".hand-over-code").hidden = signature;
    }
    form.querySelectorAll('input[name="confirmation"]').forEach(function (radio) {
      radio.addEventListener("change", showMethod);
    });
    showMethod();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-signature-pad]").forEach(setUp);
  });
})();
