// quiz.js runs inside the embed pages: it submits every question form to
// the answer API, shows the feedback, and tells the page that framed it
// (through postMessage, to that page's origin only) its height and answers.
(function () {
  "use strict";

  // The framing page's origin: Chromium lists it in ancestorOrigins; other
  // browsers leave it in the referrer, which is cut to an origin for
  // cross-site requests. embed.js also names it in ?origin=, which is used
  // only when the browser agrees.
  function hostOrigin() {
    if (window.parent === window) return "";
    let seen = "";
    if (location.ancestorOrigins && location.ancestorOrigins.length > 0) {
      seen = location.ancestorOrigins[0];
    } else if (document.referrer) {
      try { seen = new URL(document.referrer).origin; } catch (e) { seen = ""; }
    }
    const claimed = new URLSearchParams(location.search).get("origin") || "";
    if (claimed && seen && claimed !== seen) return seen;
    return seen || "";
  }
  const host = hostOrigin();
  const frame = new URLSearchParams(location.search).get("frame") || "";

  function tell(msg) {
    if (!host || host === "null") return;
    msg.frame = frame;
    window.parent.postMessage(msg, host);
  }

  // embedLearner is this browser's anonymous id for answers given through
  // embeds, kept in the widget's own storage (the learner cookie does not
  // reach a cross-site iframe). It stays "" where storage is refused.
  function embedLearner() {
    try {
      let id = localStorage.getItem("layerlab-embed-learner");
      if (!/^[0-9a-f]{32}$/.test(id || "")) {
        id = clientID();
        localStorage.setItem("layerlab-embed-learner", id);
      }
      return id;
    } catch (e) {
      return "";
    }
  }

  function clientID() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  // answerOf reads a form into the JSON shape its question type takes.
  function answerOf(form) {
    const type = form.dataset.type;
    const checked = [...form.querySelectorAll("input[name=choice]:checked")].map((i) => i.value);
    switch (type) {
      case "multiple": return checked;
      case "truefalse": return checked[0] === "true";
      case "single": return checked[0];
      case "predict": {
        const t = form.querySelector("textarea[name=text]");
        return t ? t.value : checked[0];
      }
      case "short": return form.querySelector("input[name=text]").value;
      case "ordering": {
        const steps = [...form.querySelectorAll("select[data-step]")];
        steps.sort((a, b) => Number(a.value) - Number(b.value));
        return steps.map((s) => s.dataset.step);
      }
      case "matching": {
        const out = {};
        form.querySelectorAll("select[data-item]").forEach((s) => { out[s.dataset.item] = s.value; });
        return out;
      }
    }
    return null;
  }

  function show(form, ok, title, body, explanation) {
    const box = form.querySelector(".quiz-result");
    box.textContent = "";
    form.dataset.result = ok === null ? "error" : ok ? "correct" : "wrong";
    const h = document.createElement("strong");
    h.textContent = title;
    box.append(h);
    for (const text of [body, explanation]) {
      if (!text) continue;
      const p = document.createElement("p");
      p.textContent = text;
      box.append(p);
    }
  }

  document.querySelectorAll("form.quiz-question").forEach((form) => {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const answer = answerOf(form);
      if (answer === undefined || answer === null) return;
      if (form.dataset.type === "multiple" && answer.length === 0) {
        show(form, null, "Pick at least one.", "", "");
        return;
      }
      let url = "/api/quizzes/" + encodeURIComponent(form.dataset.quiz) +
        "/questions/" + encodeURIComponent(form.dataset.question) + "/answers";
      if (host && host !== "null") url += "?embed=" + encodeURIComponent(host);
      const id = form.dataset.clientId || clientID();
      form.dataset.clientId = id; // a retry of the same answer is stored once
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(host && host !== "null"
            ? { client_id: id, answer: answer, learner: embedLearner() }
            : { client_id: id, answer: answer }),
        });
        const body = await res.json();
        if (!res.ok) throw new Error(body.error || res.statusText);
        delete form.dataset.clientId;
        show(form, body.correct, body.correct ? "Correct." : "Not quite.", body.correct ? "" : body.feedback, body.explanation);
        tell({ type: "layerlab:answer", quiz: form.dataset.quiz, question: form.dataset.question, correct: body.correct });
      } catch (err) {
        show(form, null, "Your answer could not be saved.", err.message, "");
      }
    });
  });

  // Report the height whenever it changes, so the frame never scrolls.
  let last = 0;
  function resized() {
    const h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h !== last) {
      last = h;
      tell({ type: "layerlab:resize", height: h });
    }
  }
  new ResizeObserver(resized).observe(document.documentElement);
  window.addEventListener("load", resized);
})();
