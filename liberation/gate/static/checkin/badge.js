// The badge page's print button: shown only when scripts run (without them, the
// browser's own print command does the same).
document.querySelectorAll("[data-badge-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
