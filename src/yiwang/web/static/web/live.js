/* Live updates (docs/live.md): follow a channel's server-sent events at /live/<channel>.

     var follower = YiwangLive.follow("hall:3", {
       onEvent: function (payload, id) { ... },   // each event, its JSON payload parsed
       onReset: function () { ... },              // fetch the page's state again
       onStatus: function (connected) { ... }     // optional: show "reconnecting…"
     });
     follower.close();

   onReset is called when the stream first opens (the page may have been rendered before
   events that came in meanwhile; pass resetOnOpen: false if it was not) and whenever the
   server could not replay what was missed while disconnected (`event: reset`). A lost or
   refused connection (a restarting server, 503 when a process is full) is retried after
   1, 2, 4 … up to 30 seconds, with jitter so that a hall's screens do not all come back at
   once; the last event id is sent along, so nothing is missed that the server still has.
   Same origin only, so the Content-Security-Policy's connect-src 'self' covers it. */
(function () {
  "use strict";

  var MAX_DELAY_MS = 30000;

  function follow(channel, options) {
    options = options || {};
    var onEvent = options.onEvent || function () {};
    var onReset = options.onReset || function () {};
    var onStatus = options.onStatus || function () {};
    var resetOnOpen = options.resetOnOpen !== false;
    var base = (options.base || "/live/") + encodeURIComponent(channel).replace(/%3A/g, ":");
    var source = null;
    var lastId = "";
    var failures = 0;
    var timer = null;
    var opened = false;
    var closed = false;

    function url() {
      return lastId ? base + "?last_event_id=" + encodeURIComponent(lastId) : base;
    }

    function connect() {
      timer = null;
      if (closed) {
        return;
      }
      source = new window.EventSource(url());
      source.onopen = function () {
        failures = 0;
        onStatus(true);
        if (!opened) {
          opened = true;
          if (resetOnOpen) {
            onReset();
          }
        }
      };
      source.onmessage = function (message) {
        if (message.lastEventId) {
          lastId = message.lastEventId;
        }
        var payload;
        try {
          payload = JSON.parse(message.data);
        } catch (error) {
          return;
        }
        onEvent(payload, message.lastEventId);
      };
      source.addEventListener("reset", function () {
        onReset();
      });
      source.onerror = function () {
        // Reconnect ourselves, with backoff: a browser gives up for good on an HTTP error
        // (503, 404) and retries a dropped stream at a fixed pace.
        source.close();
        source = null;
        onStatus(false);
        failures += 1;
        var delay = Math.min(MAX_DELAY_MS, 1000 * Math.pow(2, failures - 1));
        timer = window.setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
      };
    }

    connect();
    return {
      close: function () {
        closed = true;
        if (timer) {
          window.clearTimeout(timer);
        }
        if (source) {
          source.close();
        }
      }
    };
  }

  window.YiwangLive = { follow: follow };
})();
