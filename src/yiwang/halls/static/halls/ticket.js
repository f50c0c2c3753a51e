/* A citizen's number on their phone (docs/halls.md, "Kiosk, board and ticket page"): follows
   its own live channel (its calls, its status) and, while it waits, the hall's (numbers of
   its category called or leaving the queue move it forward), and fetches its state again
   after either. When it is called: the window, with a vibration and a tone if the citizen
   allowed them (a tap on the button). */
(function () {
  "use strict";

  var body = document.body;
  var stateUrl = body.dataset.stateUrl;
  var letter = body.dataset.letter;
  var status = body.className.replace(/.*status-(\w+).*/, "$1");
  var audio = null;
  var pending = null;
  var hall = null;

  function show(state) {
    Object.keys(state).forEach(function (key) {
      document.querySelectorAll('[data-field="' + key + '"]').forEach(function (node) {
        node.textContent = state[key] === null || state[key] === undefined ? "" : state[key];
      });
    });
    document.querySelectorAll("[data-show]").forEach(function (node) {
      node.hidden = node.dataset.show.split(" ").indexOf(state.status) === -1;
    });
    var rate = document.querySelector("[data-rate]");
    if (rate && state.rate_url) {
      rate.href = state.rate_url;
    }
    body.className = body.className.replace(/status-\w+/, "status-" + state.status);
    if (state.status === "called" && status !== "called") {
      alert();
    }
    status = state.status;
    letter = state.letter;
    if (status !== "waiting" && hall) {
      hall.close(); // only its own channel matters now
      hall = null;
    }
  }

  function refresh() {
    pending = null;
    window
      .fetch(stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (state) {
          show(state);
        }
      })
      .catch(function () {});
  }

  function refreshSoon(delay) {
    if (!pending) {
      pending = window.setTimeout(refresh, delay);
    }
  }

  function alert() {
    if (window.navigator.vibrate) {
      try {
        window.navigator.vibrate([400, 200, 400, 200, 400]);
      } catch (error) {
        /* not allowed */
      }
    }
    if (!audio) {
      return;
    }
    try {
      var now = audio.currentTime;
      [0, 0.4, 0.8].forEach(function (at) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, now + at);
        gain.gain.exponentialRampToValueAtTime(0.5, now + at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.3);
        osc.connect(gain).connect(audio.destination);
        osc.start(now + at);
        osc.stop(now + at + 0.35);
      });
    } catch (error) {
      /* no sound */
    }
  }

  var alertsButton = document.querySelector("[data-enable-alerts]");
  if (alertsButton) {
    alertsButton.addEventListener("click", function () {
      try {
        var Context = window.AudioContext || window.webkitAudioContext;
        audio = audio || new Context();
        audio.resume();
      } catch (error) {
        audio = null;
      }
      if (window.navigator.vibrate) {
        window.navigator.vibrate(100);
      }
      alertsButton.disabled = true;
      alertsButton.setAttribute("aria-pressed", "true");
    });
  }

  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });

  var offline = document.querySelector("[data-offline]");
  window.YiwangLive.follow(body.dataset.channel, {
    onEvent: function () {
      refresh();
    },
    onReset: refresh,
    onStatus: function (connected) {
      offline.hidden = connected;
    }
  });
  if (status === "waiting") {
    hall = window.YiwangLive.follow(body.dataset.hallChannel, {
      // Only its own category's queue moves it; spread the phones' fetches over a second.
      onEvent: function (payload) {
        if (payload.letter === letter || payload.event === "day_closed") {
          refreshSoon(300 + Math.random() * 1200);
        }
      },
      resetOnOpen: false
    });
  }
})();
