// The province's branding, by configuration: /branding/branding.json (WEB_BRANDING_DIR, see
// bot/web/README.md). Fills the elements marked data-brand="..." and the colours; shared by the
// chat page and the privacy notice. Any missing or invalid field keeps the neutral default.
(function () {
  "use strict";

  var DEFAULTS = {
    assistant_name: "Trợ lý thủ tục hành chính",
    province: "",
    agency: "",
    emblem: "emblem.svg",
    emblem_alt: "",
    colors: { brand: "#1d4f91", brand_dark: "#153a6b" },
    hotline: "1800 1096",
    office_hours: "giờ hành chính",
    privacy_url: "/static/privacy.html",
    contact_email: ""
  };

  function text(value, fallback, max) {
    return typeof value === "string" && value.trim() ? value.trim().slice(0, max || 120) : fallback;
  }

  // Relative luminance (WCAG 2.1) of "#rrggbb".
  function luminance(hex) {
    var channels = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }

  // A colour white text can sit on (contrast >= 4.5:1, WCAG AA), else null.
  function colour(value) {
    if (typeof value !== "string" || !/^#[0-9a-fA-F]{6}$/.test(value)) return null;
    return 1.05 / (luminance(value) + 0.05) >= 4.5 ? value : null;
  }

  // Only this site's own paths and https links (no javascript:, no data:).
  function link(value, fallback) {
    if (typeof value !== "string") return fallback;
    if (/^\/[^\/\\]/.test(value) || /^https:\/\//.test(value)) return value;
    return fallback;
  }

  function normalise(raw) {
    raw = raw && typeof raw === "object" ? raw : {};
    var colours = raw.colors && typeof raw.colors === "object" ? raw.colors : {};
    var brand = colour(colours.brand);
    var brandDark = colour(colours.brand_dark);
    if (colours.brand && !brand) console.warn("branding: colors.brand is not a #rrggbb colour with 4.5:1 contrast to white; default kept");
    var emblem = text(raw.emblem, DEFAULTS.emblem, 200);
    return {
      assistant_name: text(raw.assistant_name, DEFAULTS.assistant_name),
      province: text(raw.province, DEFAULTS.province),
      agency: text(raw.agency, DEFAULTS.agency, 160),
      // A file name inside the branding folder (served under /branding/).
      emblem: /^[A-Za-z0-9._-]+\.(svg|png|jpg|jpeg|webp)$/.test(emblem) ? emblem : DEFAULTS.emblem,
      emblem_alt: text(raw.emblem_alt, DEFAULTS.emblem_alt, 160),
      colors: { brand: brand || DEFAULTS.colors.brand, brand_dark: brandDark || brand || DEFAULTS.colors.brand_dark },
      hotline: text(raw.hotline, DEFAULTS.hotline, 40),
      office_hours: text(raw.office_hours, DEFAULTS.office_hours),
      privacy_url: link(raw.privacy_url, DEFAULTS.privacy_url),
      contact_email: /^[^@\s<>"]+@[^@\s<>"]+\.[a-z]{2,}$/i.test(raw.contact_email || "") ? raw.contact_email : ""
    };
  }

  function apply(brand) {
    var root = document.documentElement.style;
    root.setProperty("--brand", brand.colors.brand);
    root.setProperty("--brand-dark", brand.colors.brand_dark);
    var owner = brand.agency || brand.province;
    var values = {
      assistant_name: brand.assistant_name.charAt(0).toLowerCase() + brand.assistant_name.slice(1),
      of_province: owner ? ", trợ lý ảo chính thức của " + owner : "",
      province: brand.province,
      agency: brand.agency,
      hotline: brand.hotline,
      office_hours: brand.office_hours,
      contact_email: brand.contact_email
    };
    document.querySelectorAll("[data-brand]").forEach(function (el) {
      var key = el.getAttribute("data-brand");
      if (key === "hotline_link") el.setAttribute("href", "tel:" + brand.hotline.replace(/[^0-9+]/g, ""));
      else if (key === "privacy_link") el.setAttribute("href", brand.privacy_url);
      else if (key === "email_link") {
        el.hidden = !brand.contact_email;
        el.setAttribute("href", "mailto:" + brand.contact_email);
        el.textContent = brand.contact_email;
      } else if (key in values) el.textContent = values[key];
    });
    var title = document.getElementById("brand-title");
    if (title) title.textContent = brand.assistant_name;
    var agency = document.getElementById("brand-agency");
    if (agency) {
      agency.textContent = [brand.province, brand.agency].filter(Boolean).join(" · ");
      agency.hidden = !agency.textContent;
    }
    var official = document.getElementById("brand-official");
    if (official && owner) official.textContent = "Trợ lý ảo chính thức của " + owner;
    var emblem = document.getElementById("brand-emblem");
    if (emblem) {
      emblem.src = "/branding/" + brand.emblem;
      emblem.alt = brand.emblem_alt;
    }
    if (document.body.classList.contains("chat-page")) {
      document.title = brand.assistant_name + (brand.province ? " – " + brand.province : "");
    }
  }

  window.BRANDING = fetch("/branding/branding.json", { cache: "no-cache" })
    .then(function (reply) { return reply.ok ? reply.json() : {}; })
    .catch(function () { return {}; })
    .then(function (raw) {
      var brand = normalise(raw);
      apply(brand);
      return brand;
    });
})();
