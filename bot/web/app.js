// The web chat page: a small client of Rasa's socket.io channel (bot/channels/socketio.py, events
// session_request / session_confirm / user_uttered / bot_uttered), on socket.io-client from npm
// (bot/web/vendor/, built by scripts/build_web.sh). No framework, no CDN, no inline code.
//
// - The session is the server's: it issues a token on session_request; the page keeps it with the
//   conversation in localStorage and presents it again after a reload or reconnection.
// - Replies land in a polite live region (#log); quick replies are real <button>s; long answers
//   are collapsed behind "Xem đầy đủ"; links get short labels.
// - The connection state is shown; messages typed while offline are kept, marked "chưa gửi", and
//   sent when the connection is back. "Cuộc trò chuyện mới" starts a new session.
(function () {
  "use strict";

  var DEFAULT_RASA_PORT = "5005";
  var STORAGE_KEY = "tro-ly-chat";
  var MAX_STORED_MESSAGES = 200;
  var GREETING = "/greet";
  // A reply longer than this (characters or lines) is collapsed behind "Xem đầy đủ".
  var COLLAPSE_CHARS = 420;
  var COLLAPSE_LINES = 8;
  var TYPING_TIMEOUT_MS = 25000;
  var QUIET_AFTER_REPLY_MS = 900;

  var TEXT = {
    connecting: "Đang kết nối tới trợ lý…",
    connected: "Đã kết nối.",
    offline: "Mất kết nối tới máy chủ. Trang đang tự kết nối lại; tin nhắn của anh/chị sẽ được gửi khi có kết nối.",
    failed: "Chưa kết nối được tới máy chủ trợ lý. Trang sẽ tự thử lại; anh/chị cũng có thể gọi tổng đài.",
    notSent: "Chưa gửi – sẽ gửi khi có kết nối",
    more: "Xem đầy đủ",
    less: "Thu gọn",
    sessionEnded: "Cuộc trò chuyện trước đã kết thúc; đây là cuộc trò chuyện mới.",
    you: "Anh/chị",
    bot: "Trợ lý",
    suggestions: "Gợi ý trả lời",
    consent: "Để tra cứu, trợ lý cần mã hồ sơ và 4 số cuối số điện thoại anh/chị đã khai khi nộp. " +
      "Các thông tin này chỉ dùng để đối chiếu tình trạng hồ sơ và được che trước khi lưu. " +
      "Anh/chị có đồng ý cung cấp không?",
    consentYes: "Đồng ý",
    consentNo: "Không đồng ý",
    consentDeclined: "Dạ, trợ lý sẽ không hỏi các thông tin này. Anh/chị có thể tra cứu tại Bộ phận Một cửa nơi nộp hồ sơ hoặc gọi tổng đài.",
    privacyLink: "Thông báo về dữ liệu cá nhân",
    missingScript: "Chưa tải được phần trò chuyện. Quản trị viên cần chạy scripts/build_web.sh rồi tải lại trang."
  };

  // ---- where Rasa is -------------------------------------------------------------------------

  function origin(value) {
    try {
      var url = new URL(value, window.location.href);
      return /^https?:$/.test(url.protocol) ? url.origin : null;
    } catch (e) {
      return null;
    }
  }

  // 1. `?rasa=http://host:port` (tests, development): only on this page's own host, so that a
  //    link cannot point the official page at somebody else's bot;
  // 2. window.RASA_URL from /static/config.js (set by whoever deploys the site);
  // 3. this page's host on port 5005.
  function rasaUrl() {
    var asked = new URLSearchParams(window.location.search).get("rasa");
    if (asked) {
      var url = origin(asked);
      if (url && new URL(url).hostname === window.location.hostname) return url;
      console.warn("chat: ignoring ?rasa=" + asked + " (must be http(s) on " + window.location.hostname + ")");
    }
    if (window.RASA_URL) {
      var configured = origin(window.RASA_URL);
      if (configured) return configured;
      console.warn("chat: ignoring window.RASA_URL=" + window.RASA_URL);
    }
    return window.location.protocol + "//" + window.location.hostname + ":" + DEFAULT_RASA_PORT;
  }

  // ---- the conversation kept across reloads -------------------------------------------------

  function load() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
      if (stored && Array.isArray(stored.messages)) {
        return { token: typeof stored.token === "string" ? stored.token : null, messages: stored.messages,
                 consent: stored.consent === true };
      }
    } catch (e) { /* a broken entry: start afresh */ }
    return { token: null, messages: [], consent: false };
  }

  var state = load();

  function save() {
    try {
      state.messages = state.messages.slice(-MAX_STORED_MESSAGES);
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (e) { /* private mode or full: the page still works, without memory */ }
  }

  // ---- rendering ------------------------------------------------------------------------------

  var el = {
    log: document.getElementById("log"),
    typing: document.getElementById("typing"),
    connection: document.getElementById("connection"),
    composer: document.getElementById("composer"),
    message: document.getElementById("message"),
    newConversation: document.getElementById("new-conversation"),
    textSize: document.getElementById("text-size")
  };

  var URL_PATTERN = /https?:\/\/[^\s<>"']+/g;

  // "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193"
  // reads "dichvucong.gov.vn ›": the full address stays in the link (and its title).
  function shortLabel(href) {
    try {
      var url = new URL(href);
      var host = url.hostname.replace(/^www\./, "");
      return url.pathname.length > 1 || url.search ? host + " ›" : host;
    } catch (e) {
      return href;
    }
  }

  function appendText(parent, text) {
    var last = 0;
    text.replace(URL_PATTERN, function (match, offset) {
      var href = match.replace(/[.,;:!?)]+$/, "");
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var a = document.createElement("a");
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.title = href;
      a.textContent = shortLabel(href);
      parent.appendChild(a);
      last = offset + href.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // Paragraphs; lines starting with "-", "•", "+", "*" or "1." as lists: reads well at 390 px.
  function renderBody(text) {
    var body = document.createElement("div");
    body.className = "body";
    var list = null;
    (text || "").split("\n").forEach(function (line) {
      var bullet = /^\s*[-•+*]\s+(.*)$/.exec(line);
      var numbered = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
      if (bullet || numbered) {
        var kind = bullet ? "UL" : "OL";
        if (!list || list.tagName !== kind) {
          list = document.createElement(kind);
          body.appendChild(list);
        }
        var li = document.createElement("li");
        if (numbered) li.value = parseInt(numbered[1], 10);
        appendText(li, bullet ? bullet[1] : numbered[2]);
        list.appendChild(li);
        return;
      }
      list = null;
      if (!line.trim()) return;
      var p = document.createElement("p");
      appendText(p, line);
      body.appendChild(p);
    });
    return body;
  }

  function isLong(text) {
    return (text || "").length > COLLAPSE_CHARS || (text || "").split("\n").length > COLLAPSE_LINES;
  }

  var bubbleCount = 0;
  var nodes = new WeakMap();  // message -> its element (not stored)

  function collapse(bubble, body) {
    var id = "reply-" + (++bubbleCount);
    body.id = id;
    body.classList.add("collapsed");
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "expand";
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", id);
    toggle.textContent = TEXT.more;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      body.classList.toggle("collapsed", !open);
      toggle.textContent = open ? TEXT.less : TEXT.more;
    });
    bubble.appendChild(toggle);
  }

  function removeQuickReplies() {
    el.log.querySelectorAll(".quick-replies").forEach(function (group) { group.remove(); });
  }

  function renderQuickReplies(item, buttons) {
    var group = document.createElement("div");
    group.className = "quick-replies";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", TEXT.suggestions);
    buttons.forEach(function (button) {
      if (!button || typeof button.title !== "string") return;
      var b;
      if (button.url || button.type === "web_url") {
        b = document.createElement("a");
        b.href = button.url;
        b.target = "_blank";
        b.rel = "noopener noreferrer";
      } else {
        b = document.createElement("button");
        b.type = "button";
        b.addEventListener("click", function () { send(button.payload || button.title, button.title); });
      }
      b.className = "quick-reply";
      b.textContent = button.title;
      group.appendChild(b);
    });
    item.appendChild(group);
  }

  // Draws one message of the conversation. `restored`: drawn from storage after a reload.
  function render(message, restored) {
    var item = document.createElement("div");
    item.className = "message from-" + message.from + (message.pending ? " pending" : "");
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = (message.from === "user" ? TEXT.you : TEXT.bot) + ": ";
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.appendChild(who);
    var body = renderBody(message.text);
    bubble.appendChild(body);
    if (message.from === "bot" && isLong(message.text)) collapse(bubble, body);
    if (message.image) {
      var img = document.createElement("img");
      img.src = message.image;
      img.alt = "";
      bubble.appendChild(img);
    }
    item.appendChild(bubble);
    if (message.pending) {
      var mark = document.createElement("span");
      mark.className = "pending-mark";
      mark.textContent = TEXT.notSent;
      item.appendChild(mark);
    }
    if (message.buttons && message.buttons.length && !restored) renderQuickReplies(item, message.buttons);
    el.log.appendChild(item);
    nodes.set(message, item);
    scrollToEnd();
    return item;
  }

  function scrollToEnd() {
    window.scrollTo(0, document.documentElement.scrollHeight);
  }

  function note(text) {
    var item = document.createElement("p");
    item.className = "system-note";
    item.textContent = text;
    el.log.appendChild(item);
  }

  // ---- consent before a dossier look-up -----------------------------------------------------

  // The lookup button's payload, or a typed text holding something like a dossier code
  // ("000.00.12.H48-251105-0012", with or without dots): personal data is about to be shared.
  var LOOKUP_PAYLOAD = /^\/check_dossier_status\b/;
  var DOSSIER_CODE = /\d{3}[.\s]?\d{2}[.\s]?\d{2}[.\s]?[A-Za-z]\d{2}/;

  function sharesPersonalData(payload) {
    return LOOKUP_PAYLOAD.test(payload) || DOSSIER_CODE.test(payload);
  }

  // Asks, with nothing chosen beforehand; the message goes out only after "Đồng ý".
  function askConsent(payload, shown) {
    removeQuickReplies();
    el.log.querySelectorAll(".consent").forEach(function (card) { card.remove(); });
    var card = document.createElement("div");
    card.className = "consent";
    card.setAttribute("role", "group");
    card.setAttribute("aria-label", "Xin đồng ý trước khi tra cứu hồ sơ");
    var question = document.createElement("p");
    question.textContent = TEXT.consent + " ";
    var privacy = document.querySelector("[data-brand=privacy_link]");
    var link = document.createElement("a");
    link.href = privacy ? privacy.getAttribute("href") : "/static/privacy.html";
    link.textContent = TEXT.privacyLink;
    question.appendChild(link);
    card.appendChild(question);
    var actions = document.createElement("div");
    actions.className = "quick-replies";
    [[TEXT.consentYes, true], [TEXT.consentNo, false]].forEach(function (choice) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "quick-reply";
      b.textContent = choice[0];
      b.addEventListener("click", function () {
        card.remove();
        if (choice[1]) {
          state.consent = true;
          save();
          send(payload, shown);
        } else {
          note(TEXT.consentDeclined);
          el.message.focus();
        }
      });
      actions.appendChild(b);
    });
    card.appendChild(actions);
    el.log.appendChild(card);
    scrollToEnd();
    actions.firstChild.focus();
  }

  // ---- typing indicator -----------------------------------------------------------------------

  var typingTimer = null;

  function typing(on, forMs) {
    clearTimeout(typingTimer);
    el.typing.hidden = !on;
    if (on) typingTimer = setTimeout(function () { el.typing.hidden = true; }, forMs || TYPING_TIMEOUT_MS);
    scrollToEnd();
  }

  // ---- connection -----------------------------------------------------------------------------

  function showConnection(name) {
    el.connection.setAttribute("data-state", name);
    el.connection.textContent = TEXT[name];
    document.body.setAttribute("data-connection", name);
  }

  if (typeof window.io !== "function") {
    showConnection("failed");
    el.connection.textContent = TEXT.missingScript;
    return;
  }

  var socketUrl = rasaUrl();
  document.body.setAttribute("data-rasa-url", socketUrl);
  var socket = window.io(socketUrl, {
    path: "/socket.io/",
    transports: ["websocket", "polling"],
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10000
  });
  var confirmed = false;

  function emitMessage(message) {
    socket.emit("user_uttered", { message: message.payload || message.text, session_id: state.token });
  }

  // Sends what a citizen typed or tapped; kept and marked "not sent" while offline.
  function send(payload, shown) {
    if (!state.consent && sharesPersonalData(payload)) {
      askConsent(payload, shown);
      return;
    }
    removeQuickReplies();
    var message = { from: "user", text: shown || payload, payload: payload !== shown ? payload : undefined };
    if (!confirmed) message.pending = true;
    state.messages.push(message);
    render(message);
    save();
    if (confirmed) {
      emitMessage(message);
      typing(true);
    }
  }

  function flushPending() {
    state.messages.forEach(function (message) {
      if (!message.pending) return;
      delete message.pending;
      var node = nodes.get(message);
      if (node) {
        node.classList.remove("pending");
        var mark = node.querySelector(".pending-mark");
        if (mark) mark.remove();
      }
      emitMessage(message);
      typing(true);
    });
    save();
  }

  socket.on("connect", function () {
    socket.emit("session_request", { session_id: state.token });
  });

  socket.on("session_confirm", function (token) {
    token = token && token.session_id ? token.session_id : token;
    var hadConversation = state.messages.some(function (m) { return !m.pending; });
    if (state.token && token !== state.token && hadConversation) note(TEXT.sessionEnded);
    var isNew = token !== state.token || !hadConversation;
    state.token = token;
    confirmed = true;
    showConnection("connected");
    save();
    if (isNew && !state.messages.some(function (m) { return m.from === "bot"; })) {
      socket.emit("user_uttered", { message: GREETING, session_id: state.token });
      typing(true);
    }
    flushPending();
  });

  socket.on("bot_uttered", function (data) {
    if (!data || typeof data !== "object") return;
    var message = { from: "bot", text: typeof data.text === "string" ? data.text : "" };
    var buttons = data.quick_replies || data.buttons;
    if (Array.isArray(buttons) && buttons.length) message.buttons = buttons;
    var attachment = data.attachment;
    if (attachment && attachment.type === "image" && attachment.payload && /^https:\/\//.test(attachment.payload.src || "")) {
      message.image = attachment.payload.src;
    }
    if (!message.text && !message.buttons && !message.image) return;
    state.messages.push(message);
    render(message);
    save();
    // More parts of the answer may follow: the indicator stays a moment, then goes.
    typing(true, QUIET_AFTER_REPLY_MS);
  });

  // Staff hold the conversation (live hand-over): what the citizen wrote went to them, the assistant
  // will not answer it, so "is answering…" goes at once; staff's own messages arrive as bot_uttered.
  socket.on("staff_holding", function () {
    typing(false);
  });

  socket.on("disconnect", function () {
    confirmed = false;
    showConnection("offline");
    typing(false);
  });

  socket.on("connect_error", function () {
    confirmed = false;
    showConnection(state.messages.length ? "offline" : "failed");
  });

  // ---- the page's controls --------------------------------------------------------------------

  el.composer.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = el.message.value.trim();
    if (!text) return;
    el.message.value = "";
    autoGrow();
    send(text, text);
  });

  // Enter sends, Shift+Enter is a new line (as in every chat app).
  el.message.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      el.composer.requestSubmit();
    }
  });

  function autoGrow() {
    el.message.style.height = "auto";
    el.message.style.height = Math.min(el.message.scrollHeight, 160) + "px";
  }
  el.message.addEventListener("input", autoGrow);

  el.newConversation.addEventListener("click", function () {
    state = { token: null, messages: [], consent: false };
    save();
    el.log.textContent = "";
    typing(false);
    if (confirmed) socket.emit("session_request", { session_id: null });
    el.message.focus();
  });

  var LARGE_TEXT_KEY = "tro-ly-large-text";
  function largeText(on) {
    document.documentElement.classList.toggle("large-text", on);
    el.textSize.setAttribute("aria-pressed", String(on));
    try { window.localStorage.setItem(LARGE_TEXT_KEY, on ? "1" : ""); } catch (e) { /* ignore */ }
  }
  el.textSize.addEventListener("click", function () {
    largeText(el.textSize.getAttribute("aria-pressed") !== "true");
  });
  try { largeText(window.localStorage.getItem(LARGE_TEXT_KEY) === "1"); } catch (e) { /* ignore */ }

  // The kept conversation, drawn again (the last reply's quick replies stay usable).
  state.messages.forEach(function (message, i) {
    var last = i === state.messages.length - 1;
    render(message, !last);
  });
  showConnection("connecting");
})();
