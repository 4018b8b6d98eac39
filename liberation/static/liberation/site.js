// Click-to-load for third-party video players: nothing is requested from the
// provider until the reader presses the button (no cookie, no tracking before consent).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-consent-load]");
  if (!button) return;
  var holder = button.closest("[data-consent-embed]");
  if (!holder) return;
  var iframe = document.createElement("iframe");
  iframe.src = holder.getAttribute("data-embed-src");
  iframe.title = holder.getAttribute("data-embed-title");
  iframe.allow = "fullscreen; picture-in-picture; encrypted-media";
  iframe.referrerPolicy = "strict-origin-when-cross-origin";
  iframe.setAttribute("allowfullscreen", "");
  holder.replaceWith(iframe);
  // The button the reader pressed is gone: keep the keyboard focus on the player.
  iframe.focus();
});
