// embed.js is the loader embedders paste: it turns every
// <div data-layerlab-quiz="ID"></div> (or data-layerlab-viz="Dockerfile
// text") into an iframe of this server that grows to fit its content, and
// re-emits the quiz's answers as "layerlab:answer" events on the div.
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const base = new URL(script.src).origin;
  const frames = new Map(); // frame id -> { iframe, div }
  let next = 0;

  function mount(div) {
    if (div.dataset.layerlabMounted) return;
    div.dataset.layerlabMounted = "1";
    const id = String(++next);
    let q = "origin=" + encodeURIComponent(location.origin) + "&frame=" + id;
    // data-layerlab-lang="es" shows the widget in that language; without
    // it, the visitor's browser language.
    if (div.dataset.layerlabLang) q += "&lang=" + encodeURIComponent(div.dataset.layerlabLang);
    const f = document.createElement("iframe");
    if (div.dataset.layerlabQuiz !== undefined) {
      f.src = base + "/embed/quiz/" + encodeURIComponent(div.dataset.layerlabQuiz) + "?" + q;
      f.title = "layerlab quiz";
    } else {
      f.src = base + "/embed/viz?dockerfile=" + encodeURIComponent(div.dataset.layerlabViz) + "&" + q;
      f.title = "layerlab Dockerfile view";
    }
    f.setAttribute("width", "100%");
    f.setAttribute("height", "420");
    f.setAttribute("frameborder", "0");
    f.setAttribute("loading", "lazy");
    f.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frames.set(id, { iframe: f, div: div });
    div.appendChild(f);
  }

  window.addEventListener("message", (e) => {
    // Only this server's frames are listened to, and only the frame a
    // message claims to come from.
    if (e.origin !== base || !e.data || typeof e.data !== "object") return;
    const entry = frames.get(String(e.data.frame));
    if (!entry || entry.iframe.contentWindow !== e.source) return;
    if (e.data.type === "layerlab:resize") {
      const h = Number(e.data.height);
      if (h > 0 && h < 20000) entry.iframe.setAttribute("height", String(h));
    } else if (e.data.type === "layerlab:answer") {
      entry.div.dispatchEvent(new CustomEvent("layerlab:answer", {
        bubbles: true,
        detail: { quiz: String(e.data.quiz), question: String(e.data.question), correct: e.data.correct === true },
      }));
    }
  });

  function scan() {
    document.querySelectorAll("[data-layerlab-quiz],[data-layerlab-viz]").forEach(mount);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
