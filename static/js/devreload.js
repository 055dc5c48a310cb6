// Live reload for lesson authors (serve --dev only): the page asks for the
// lesson files' version and reloads when it changes.
(function () {
  "use strict";
  const mark = document.getElementById("dev-reload");
  if (!mark) return;
  const seen = mark.dataset.version;
  setInterval(async () => {
    try {
      const res = await fetch("/dev/lessons-version", { cache: "no-store" });
      if (res.ok && (await res.text()) !== seen) location.reload();
    } catch (e) {
      // The server is restarting: try again on the next tick.
    }
  }, 1000);
})();
