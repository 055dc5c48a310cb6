// layerlab's theme and motion settings, loaded first on every page (the
// playground, lessons, embeds, the instructor area) so none of them flashes
// the wrong theme. The toggle buttons live in app.js's pages.
(function () {
  "use strict";
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
})();
