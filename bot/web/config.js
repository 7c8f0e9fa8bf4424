// Site settings for the web chat page, read by app.js. Served as-is from /static/config.js.
//
// window.RASA_URL: where the Rasa server's socket.io channel is (scheme://host:port, no path).
// Leave it empty to use the default: the page's own host on port 5005, i.e.
// `${location.protocol}//${location.hostname}:5005`. Set it when Rasa is elsewhere, for
// example behind the same reverse proxy as this page: window.RASA_URL = location.origin;
// A `?rasa=http://same-host:port` query parameter overrides both (tests, development).
window.RASA_URL = window.RASA_URL || "";
