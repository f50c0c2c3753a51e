/* The hall's display board (docs/halls.md, "Kiosk, board and ticket page"): follows the
   hall's live channel; a call is shown at once from the event (the latest highlighted), with
   a chime and a spoken call in Chinese; the queues are fetched again shortly after any
   change, and the whole state after a reset. No personal data ever reaches this page. */
(function () {
  "use strict";

  var body = document.body;
  var stateUrl = body.dataset.stateUrl;
  var latest = document.querySelector("[data-latest]");
  var calling = document.querySelector("[data-calling]");
  var recent = document.querySelector("[data-recent]");
  var categories = document.querySelector("[data-categories]");
  var hoursField = document.querySelector("[data-hours]");
  var statusLine = document.querySelector("[data-status]");
  var overlay = document.querySelector("[data-sound-overlay]");
  var clock = document.querySelector("[data-clock]");
  var audio = null;
  var refetchTimer = null;
  var RECENT = 8;

  function text(name, values) {
    var node = document.querySelector('template[data-text="' + name + '"]');
    var value = node ? node.innerHTML.trim() : "";
    Object.keys(values || {}).forEach(function (key) {
      value = value.split("%(" + key + ")s").join(values[key]);
    });
    return value;
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (content !== undefined) {
      node.textContent = content;
    }
    return node;
  }

  function showLatest(call) {
    latest.textContent = "";
    if (!call) {
      latest.appendChild(el("span", "board-empty", text("idle")));
      return;
    }
    latest.appendChild(el("span", "board-latest-number", call.number));
    var arrow = el("span", "board-arrow", "→");
    arrow.setAttribute("aria-hidden", "true");
    latest.appendChild(document.createTextNode(" "));
    latest.appendChild(arrow);
    latest.appendChild(document.createTextNode(" "));
    latest.appendChild(el("span", "board-latest-window", text("window", { w: call.window })));
  }

  function callRow(call, arrow) {
    var li = el("li");
    li.appendChild(el("span", "board-number", call.number));
    li.appendChild(document.createTextNode(" "));
    if (arrow) {
      var a = el("span", "board-arrow", "→");
      a.setAttribute("aria-hidden", "true");
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
    }
    li.appendChild(el("span", "board-window", text("window", { w: call.window })));
    return li;
  }

  function fillList(list, calls, arrow) {
    list.textContent = "";
    calls.forEach(function (call) {
      list.appendChild(callRow(call, arrow));
    });
  }

  var shown = { calling: [], recent: [] };

  function render(state) {
    shown.calling = state.calling.slice();
    shown.recent = state.recent.slice();
    showLatest(shown.calling[0]);
    fillList(calling, shown.calling.slice(1), true);
    fillList(recent, shown.recent, false);
    categories.textContent = "";
    state.categories.forEach(function (c) {
      var li = el("li");
      li.dataset.category = c.id;
      li.appendChild(el("span", "board-letter", c.letter));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "board-name", c.name));
      li.appendChild(document.createTextNode(" "));
      var waiting = el("span", "board-waiting", String(c.waiting));
      waiting.dataset.waiting = "";
      li.appendChild(waiting);
      categories.appendChild(li);
    });
    if (hoursField && state.hall.hours_today) {
      hoursField.textContent = state.hall.hours_today;
    }
  }

  function refetch() {
    refetchTimer = null;
    window
      .fetch(stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (state) {
          render(state);
        }
      })
      .catch(function () {});
  }

  function refetchSoon(delay) {
    if (!refetchTimer) {
      refetchTimer = window.setTimeout(refetch, delay);
    }
  }

  function withoutNumber(list, number) {
    return list.filter(function (call) {
      return call.number !== number;
    });
  }

  function chime() {
    if (!audio) {
      return;
    }
    try {
      var now = audio.currentTime;
      [880, 660].forEach(function (frequency, i) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = "sine";
        osc.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, now + i * 0.35);
        gain.gain.exponentialRampToValueAtTime(0.4, now + i * 0.35 + 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.35 + 0.6);
        osc.connect(gain).connect(audio.destination);
        osc.start(now + i * 0.35);
        osc.stop(now + i * 0.35 + 0.65);
      });
    } catch (error) {
      /* no sound: the screen still shows the call */
    }
  }

  function speak(sentence) {
    body.dataset.lastSpoken = sentence;
    if (!audio || !window.speechSynthesis || !window.SpeechSynthesisUtterance) {
      return;
    }
    try {
      var utterance = new window.SpeechSynthesisUtterance(sentence);
      utterance.lang = "zh-CN";
      utterance.rate = 0.9;
      var voices = window.speechSynthesis.getVoices();
      for (var i = 0; i < voices.length; i += 1) {
        if (/^zh(-|_)CN/i.test(voices[i].lang)) {
          utterance.voice = voices[i];
          break;
        }
      }
      // After the chime; said twice, as halls do.
      window.setTimeout(function () {
        window.speechSynthesis.speak(utterance);
        window.speechSynthesis.speak(new window.SpeechSynthesisUtterance(sentence));
      }, 800);
    } catch (error) {
      /* no voice: the screen still shows the call */
    }
  }

  function announce(payload) {
    var call = { number: payload.number, window: payload.window, status: payload.status };
    shown.calling = [call].concat(withoutNumber(shown.calling, call.number)).slice(0, RECENT);
    shown.recent = [call].concat(withoutNumber(shown.recent, call.number)).slice(0, RECENT);
    showLatest(call);
    fillList(calling, shown.calling.slice(1), true);
    fillList(recent, shown.recent, false);
    latest.classList.remove("is-new");
    void latest.offsetWidth; // restart the highlight
    latest.classList.add("is-new");
    chime();
    speak(text("call", { number: payload.number, w: payload.window }));
  }

  function onEvent(payload) {
    if (payload.event === "ticket_called" || payload.event === "ticket_recalled") {
      announce(payload);
    } else if (payload.number && payload.status !== "called") {
      // No longer at a window calling: off the "now calling" list.
      shown.calling = withoutNumber(shown.calling, payload.number);
      showLatest(shown.calling[0]);
      fillList(calling, shown.calling.slice(1), true);
    }
    refetchSoon(1500);
  }

  function enableSound() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      audio = audio || new Context();
      audio.resume();
    } catch (error) {
      audio = null;
    }
    if (window.speechSynthesis) {
      window.speechSynthesis.getVoices();
    }
    overlay.hidden = true;
    body.dataset.sound = "on";
  }

  function tick() {
    var now = new Date();
    var hh = String(now.getHours()).padStart(2, "0");
    var mm = String(now.getMinutes()).padStart(2, "0");
    clock.textContent = hh + ":" + mm;
  }

  document.querySelector("[data-enable-sound]").addEventListener("click", enableSound);
  tick();
  window.setInterval(tick, 1000);
  // Once a minute anyway: the estimate and the hours change with time, not only with events.
  window.setInterval(refetch, 60000);

  window.YiwangLive.follow(body.dataset.channel, {
    onEvent: onEvent,
    onReset: refetch,
    onStatus: function (connected) {
      statusLine.hidden = connected;
      body.dataset.live = connected ? "on" : "off";
    }
  });
})();
