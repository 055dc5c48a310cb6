// layerlab's theme and motion settings, loaded first on every page (the
// playground, lessons, embeds, the instructor area) so none of them flashes
// the wrong theme. It also works every page's theme toggle, so the choice
// made on one page holds on all of them, and gives the other scripts tr.
(function () {
  "use strict";
  // layerlabTr is a string in the page's language, from the table the
  // server puts in #ui-strings (web/locale) before this script; en where
  // the table lacks it. {name} fields are filled from vars. The table is
  // read once, at its first use.
  let strings = null;
  window.layerlabTr = function (id, en, vars) {
    if (strings === null) {
      try { strings = JSON.parse(document.getElementById("ui-strings").textContent); } catch (e) { strings = {}; }
    }
    let s = strings[id] || en;
    for (const k in vars || {}) s = s.split("{" + k + "}").join(String(vars[k]));
    return s;
  };
  const root = document.documentElement;
  const theme = localStorage.getItem("layerlab-theme");
  if (theme === "light" || theme === "dark") root.dataset.theme = theme;
  // Animations: the learner's choice, or off when the system asks for
  // reduced motion.
  const motion = localStorage.getItem("layerlab-motion");
  if (motion === "on" || motion === "off") root.dataset.motion = motion;
  else if (matchMedia("(prefers-reduced-motion: reduce)").matches) {
    root.dataset.motion = "off";
    root.dataset.motionSource = "system";
  }

  const isDark = () =>
    root.dataset.theme ? root.dataset.theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
  const sync = () =>
    document.querySelectorAll(".theme-toggle").forEach((b) => b.setAttribute("aria-pressed", isDark() ? "true" : "false"));
  document.addEventListener("click", (e) => {
    if (!e.target.closest(".theme-toggle")) return;
    root.dataset.theme = isDark() ? "light" : "dark";
    localStorage.setItem("layerlab-theme", root.dataset.theme);
    sync();
  });
  document.addEventListener("DOMContentLoaded", sync);
})();
