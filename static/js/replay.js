// replay.js drives the instructor's replay of a learner's session
// (web/ui/learner.templ): every step is its own page, so Previous and Next
// are plain links. This adds the arrow, Home and End keys, Play (which
// follows Next every 1.5 s until the last step or Pause), and keeps the
// focus on the control that was used across the page change.
(function () {
  "use strict";
  const PLAY_DELAY = 1500;
  const controls = ["replay-first", "replay-prev", "replay-play", "replay-next", "replay-last"];
  const play = document.getElementById("replay-play");
  const params = new URLSearchParams(location.search);
  let timer = 0;

  function go(id, playing) {
    const el = document.getElementById(id);
    if (!el || !el.href) return false;
    sessionStorage.setItem("layerlab-replay-focus", id);
    const url = new URL(el.href);
    if (playing) url.searchParams.set("play", "1");
    location.assign(url.toString());
    return true;
  }

  function stop() {
    clearTimeout(timer);
    timer = 0;
    if (play && play.tagName === "BUTTON") {
      play.textContent = "▶ Play";
      play.setAttribute("aria-pressed", "false");
    }
  }

  function start() {
    if (!play || play.tagName !== "BUTTON") return;
    play.textContent = "⏸ Pause";
    play.setAttribute("aria-pressed", "true");
    timer = setTimeout(function () {
      sessionStorage.setItem("layerlab-replay-focus", "replay-play");
      const url = new URL(play.dataset.next, location.href);
      url.searchParams.set("play", "1");
      location.assign(url.toString());
    }, PLAY_DELAY);
  }

  if (play && play.tagName === "BUTTON") {
    play.addEventListener("click", function () {
      if (timer) stop(); else start();
    });
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    const t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    const id = { ArrowLeft: "replay-prev", ArrowRight: "replay-next", Home: "replay-first", End: "replay-last" }[ev.key];
    if (id && go(id, false)) ev.preventDefault();
  });

  // Back on the control used before the page changed.
  const last = sessionStorage.getItem("layerlab-replay-focus");
  sessionStorage.removeItem("layerlab-replay-focus");
  if (last && controls.indexOf(last) >= 0) {
    const el = document.getElementById(last);
    if (el && el.getAttribute("aria-disabled") !== "true") el.focus();
    else if (play && play.tagName === "BUTTON") play.focus();
  }
  if (params.get("play") === "1") start();
})();
