// Click-to-load for third-party video players: nothing is requested from the
// provider until the reader presses the button (no cookie, no tracking before consent).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-consent-load]");
  if (!button) return;
  var holder = button.closest("[data-consent-embed]");
  var iframe = document.createElement("iframe");
  iframe.src = holder.getAttribute("data-embed-src");
  iframe.title = holder.getAttribute("data-embed-title");
  iframe.allow = "fullscreen; picture-in-picture";
  iframe.setAttribute("allowfullscreen", "");
  holder.replaceWith(iframe);
  iframe.focus();
});
