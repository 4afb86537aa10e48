// Accessibility fixes for the theme's header buttons, applied as the page
// loads: their aria-label hid their visible text from speech-input users
// (axe: label-content-name-mismatch).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".search-button-field").forEach(function (b) {
    b.setAttribute("aria-label", b.textContent.replace(/\s+/g, " ").trim());
  });
  document.querySelectorAll(".theme-switch-button .theme-switch[title]").forEach(function (i) {
    i.setAttribute("aria-hidden", "true");
    i.removeAttribute("title");
  });
});
