// Escape hides an open evidence tooltip (WCAG 1.4.13: hover content is dismissible).
document.addEventListener("keydown", function (e) {
  if (e.key === "Escape" && document.activeElement && document.activeElement.classList.contains("xev-ev")) {
    document.activeElement.blur();
  }
});
