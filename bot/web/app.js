// Mounts the rasa-webchat widget (bot/web/vendor/rasa-webchat.js, built by scripts/build_web.sh)
// on Rasa's socket.io channel (bot/credentials.yml: user_uttered / bot_uttered, session persistence).
(function () {
  "use strict";

  var DEFAULT_RASA_PORT = "5005";

  function showError(text) {
    var box = document.getElementById("webchat-error");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  // An http(s) origin (scheme://host[:port]) from a user-given string, or null.
  function origin(value) {
    try {
      var url = new URL(value, window.location.href);
      return /^https?:$/.test(url.protocol) ? url.origin : null;
    } catch (e) {
      return null;
    }
  }

  // Where Rasa's socket.io channel is:
  //  1. `?rasa=http://host:port` (tests, development): only on this page's own host, so that a
  //     link cannot point the official page at somebody else's bot;
  //  2. window.RASA_URL from /static/config.js (set by whoever deploys the site);
  //  3. this page's host on port 5005.
  function rasaUrl() {
    var asked = new URLSearchParams(window.location.search).get("rasa");
    if (asked) {
      var url = origin(asked);
      if (url && new URL(url).hostname === window.location.hostname) return url;
      console.warn("webchat: ignoring ?rasa=" + asked + " (must be http(s) on " + window.location.hostname + ")");
    }
    if (window.RASA_URL) {
      var configured = origin(window.RASA_URL);
      if (configured) return configured;
      console.warn("webchat: ignoring window.RASA_URL=" + window.RASA_URL);
    }
    return window.location.protocol + "//" + window.location.hostname + ":" + DEFAULT_RASA_PORT;
  }

  // A short typing pause before each bot message: long enough to read as a reply, never slow.
  function messageDelay(message) {
    return Math.min(1200, Math.max(300, (message || "").length * 8));
  }

  var mount = document.getElementById("webchat");
  if (!window.WebChat || typeof window.WebChat.default !== "function") {
    showError("Chưa tải được giao diện trò chuyện. Quản trị viên cần chạy scripts/build_web.sh rồi tải lại trang.");
    return;
  }

  var socketUrl = rasaUrl();
  mount.setAttribute("data-rasa-url", socketUrl);
  window.WebChat.default(
    {
      socketUrl: socketUrl,
      socketPath: "/socket.io/",
      initPayload: "/greet",
      title: "Trợ lý thủ tục hành chính",
      subtitle: "Giấy tờ, lệ phí, nơi nộp và tra cứu hồ sơ",
      inputTextFieldHint: "Nhập câu hỏi…",
      connectingText: "Đang kết nối tới máy chủ…",
      embedded: true,
      showCloseButton: false,
      showFullScreenButton: false,
      hideWhenNotConnected: false,
      withRules: false,
      docViewer: false,
      customData: { language: "vi" },
      // The conversation (messages, session id) lives in localStorage: it survives reloads
      // and the same Rasa conversation (session_persistence) goes on.
      params: { storage: "local" },
      customMessageDelay: messageDelay,
      onSocketEvent: {
        connect: function () {
          showError("");
        },
        connect_error: function () {
          showError("Không kết nối được tới máy chủ trợ lý. Trang sẽ tự thử lại; anh/chị vui lòng chờ trong giây lát.");
        },
        disconnect: function () {
          showError("Mất kết nối tới máy chủ trợ lý, đang thử kết nối lại…");
        }
      }
    },
    mount
  );
})();
