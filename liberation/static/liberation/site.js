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

// The site-wide notice (includes/notice.html): a reader who hides it does not see the
// same notice again on this browser; a new notice (another version) shows again.
(function () {
  var KEY = "liberation-notice-hidden";
  var notice = document.querySelector("[data-notice]");
  if (!notice) return;
  var version = notice.getAttribute("data-notice");
  var hidden = null;
  try { hidden = window.localStorage.getItem(KEY); } catch (e) { /* storage disabled */ }
  if (hidden === version) { notice.remove(); return; }
  notice.querySelector("[data-notice-dismiss]").addEventListener("click", function () {
    try { window.localStorage.setItem(KEY, version); } catch (e) { /* hidden for this page only */ }
    notice.remove();
    // The button is gone: keep keyboard users where the page starts.
    var main = document.getElementById("content");
    if (main) main.focus();
  });
})();
