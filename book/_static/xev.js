// The book's page scripts.
//
// Figures are static first: each shows the SVG rendered when its notebook ran
// (visible with JavaScript off). When a figure comes near the screen, or the
// reader clicks it, the interactive Vega view (tooltips) is drawn in the same
// box and replaces the static one; the Vega bundle itself is fetched only then,
// once per page.
(function () {
  "use strict";
  var me = document.currentScript;
  var base = me && me.src ? me.src.replace(/xev\.js(\?.*)?$/, "") : "_static/";
  var bundle = null;

  function loadVega() {
    if (window.vegaEmbed) return Promise.resolve();
    if (!bundle) {
      bundle = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = base + "vega/vega-bundle.js";
        s.onload = resolve;
        s.onerror = function () { reject(new Error("the Vega bundle did not load")); };
        document.head.appendChild(s);
      });
    }
    return bundle;
  }

  // Vega measures label widths as it draws: let it measure with the chart font.
  function fontReady() {
    if (!document.fonts || !document.fonts.load) return Promise.resolve();
    return document.fonts.load('12px "Xev Sans"').catch(function () {});
  }

  function live(fig) {
    if (fig.dataset.live) return;
    var chart = fig.querySelector(".xev-chart");
    var specEl = fig.querySelector("script.xev-spec");
    if (!chart || !specEl) return;
    fig.dataset.live = "loading";
    var holder = document.createElement("div");
    holder.className = "xev-live";
    holder.setAttribute("aria-hidden", "true");
    chart.appendChild(holder);
    Promise.all([loadVega(), fontReady()]).then(function () {
      return window.vegaEmbed(holder, JSON.parse(specEl.textContent),
                              {mode: "vega-lite", renderer: "svg", actions: false});
    }).then(function () {
      // Vega draws at its natural size: scale it to the static figure's box.
      // (vega-embed makes the holder itself an inline-block .vega-embed)
      var svg = holder.querySelector("svg");
      holder.style.display = "block";
      holder.style.width = "100%";
      if (svg) { svg.style.width = "100%"; svg.style.height = "auto"; svg.style.display = "block"; }
      var still = chart.querySelector(".xev-static");
      holder.classList.add("xev-ready");
      if (still) still.remove();
      fig.dataset.live = "done";
    }).catch(function (e) {
      holder.remove();
      fig.dataset.live = "static";   // the static figure stays: nothing is lost
      console.warn("figure " + fig.dataset.figure + " stays static: " + e);
    });
  }

  function figures() {
    var modern = [].slice.call(document.querySelectorAll(".xev-figure")).filter(function (f) {
      return f.querySelector("script.xev-spec");
    });
    modern.forEach(function (f) {
      f.addEventListener("click", function () { live(f); });
    });
    if (!("IntersectionObserver" in window)) return;
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { io.unobserve(e.target); live(e.target); }
      });
    }, {rootMargin: "200px 0px"});
    modern.forEach(function (f) { io.observe(f); });
  }

  // Accessibility fixes for the theme's header buttons: their aria-label hid
  // their visible text from speech-input users (axe: label-content-name-mismatch).
  function headerButtons() {
    document.querySelectorAll(".search-button-field").forEach(function (b) {
      b.setAttribute("aria-label", b.textContent.replace(/\s+/g, " ").trim());
    });
    document.querySelectorAll(".theme-switch-button .theme-switch[title]").forEach(function (i) {
      i.setAttribute("aria-hidden", "true");
      i.removeAttribute("title");
    });
  }

  // The menu (☰) and page-contents buttons. The theme binds its handlers to the
  // first .primary-toggle and .secondary-toggle of the page, hidden buttons in
  // the top bar (pydata-sphinx-theme#2451, sphinx-book-theme#988): the visible
  // ones pass their click on to those.
  function sidebarButtons() {
    [".primary-toggle", ".secondary-toggle"].forEach(function (sel) {
      var all = document.querySelectorAll(sel);
      [].slice.call(all, 1).forEach(function (b) {
        b.addEventListener("click", function (e) {
          e.preventDefault();
          e.stopPropagation();
          all[0].click();
        });
      });
    });
  }

  function ready() { headerButtons(); sidebarButtons(); figures(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
