// Evidence previews: every glued number (a.xev-ev) is followed by its preview
// (span.xev-tip, the link's aria-describedby), which CSS shows on hover and on
// keyboard focus. Here:
// - a hover or focus preview is moved inside the window, below the number or,
//   when there is no room below, above it;
// - Escape hides it (WCAG 1.4.13: hover content is dismissible);
// - a tap (touch or pen) opens the preview in a sheet along the bottom of the
//   screen, with a link to the full entry; a second tap on the number, or the
//   link, goes there.
(function () {
  "use strict";
  var MARGIN = 8;
  var touch = false;    // the coming click comes from a finger or a pen
  var armed = null;     // the number whose sheet is open
  var sheet = null;
  var downOn = null;    // the number a finger or pen came down on

  function tipOf(el) {
    var w = el && el.closest && el.closest(".xev-evw");
    return w ? w.querySelector(".xev-tip") : null;
  }

  function place(tip) {
    tip.style.left = "";
    tip.classList.remove("xev-above");
    if (window.matchMedia("(max-width: 600px)").matches) return;   // a sheet there, by CSS
    var shown = tip.style.display;
    tip.style.display = "block";
    var r = tip.getBoundingClientRect();
    var vw = document.documentElement.clientWidth;
    var shift = 0;
    if (r.right > vw - MARGIN) shift = vw - MARGIN - r.right;
    if (r.left + shift < MARGIN) shift = MARGIN - r.left;
    if (shift) tip.style.left = shift + "px";
    var word = tip.parentNode.getBoundingClientRect();
    if (r.bottom > window.innerHeight - MARGIN && word.top - r.height > MARGIN) tip.classList.add("xev-above");
    tip.style.display = shown;
  }

  function undismiss() {
    document.querySelectorAll(".xev-evw.xev-dismissed").forEach(function (w) { w.classList.remove("xev-dismissed"); });
  }

  document.addEventListener("mouseover", function (e) {
    var w = e.target.closest && e.target.closest(".xev-evw");
    if (!w || (e.relatedTarget && w.contains(e.relatedTarget))) return;
    undismiss();
    place(w.querySelector(".xev-tip"));
  });
  document.addEventListener("focusin", function (e) {
    if (!e.target.classList || !e.target.classList.contains("xev-ev")) return;
    undismiss();
    place(tipOf(e.target));
  });

  function buildSheet() {
    sheet = document.createElement("div");
    sheet.className = "xev-sheet";
    sheet.setAttribute("role", "dialog");
    sheet.setAttribute("aria-label", "Evidence preview");
    sheet.hidden = true;
    sheet.innerHTML = '<p class="xev-sheet-text"></p><p class="xev-sheet-links">' +
      '<a class="xev-sheet-go" href="#">Open the full entry</a>' +
      '<button type="button" class="xev-sheet-close">Close</button></p>';
    sheet.querySelector(".xev-sheet-close").addEventListener("click", closeSheet);
    document.body.appendChild(sheet);
  }

  function openSheet(a) {
    if (!sheet) buildSheet();
    var tip = tipOf(a);
    sheet.querySelector(".xev-sheet-text").textContent = tip ? tip.textContent : "";
    sheet.querySelector(".xev-sheet-go").setAttribute("href", a.getAttribute("href"));
    sheet.hidden = false;
    document.body.classList.add("xev-sheet-on");
    armed = a;
  }

  function closeSheet() {
    if (sheet) sheet.hidden = true;
    document.body.classList.remove("xev-sheet-on");
    armed = null;
  }

  document.addEventListener("pointerdown", function (e) {
    touch = e.pointerType === "touch" || e.pointerType === "pen";
    downOn = touch && e.target.closest ? e.target.closest("a.xev-ev") : null;
  }, true);

  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a.xev-ev");
    // On a phone a number's preview shows along the bottom of the screen as the finger comes down
    // (CSS :hover and :focus): a number in that strip gets its click on the preview. Still its tap.
    if (!a && downOn && tipOf(downOn) && tipOf(downOn).contains(e.target)) a = downOn;
    if (sheet && !sheet.hidden && !sheet.contains(e.target) && a !== armed) closeSheet();
    if (!a || !touch || a === armed) return;   // a mouse, a key, or the second tap: follow the link
    e.preventDefault();
    openSheet(a);
  });

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    closeSheet();
    document.querySelectorAll(".xev-evw:hover, .xev-evw:focus-within").forEach(function (w) {
      w.classList.add("xev-dismissed");
    });
  });
})();
