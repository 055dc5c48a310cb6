// quiz.js runs every quiz (web/ui/quiz.templ) wherever it is drawn: lesson
// pages, the playground and the embed. It submits each question to the
// answer API, shows the feedback, "show the answer" after a wrong try, the
// running score and the summary with its pass mark, retry, the
// one-question-at-a-time mode, and moves ordering steps with buttons. In an
// embed it fetches the questions as dealt to this visitor, and tells the
// page that framed it (through postMessage, to that page's origin only)
// its height and answers.
(function () {
  "use strict";
  if (window.layerlabQuiz) return; // drawn twice on one page: run once
  window.layerlabQuiz = true;

  const tr = window.layerlabTr; // theme.js

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
  const framed = host !== "" && host !== "null";
  const frame = new URLSearchParams(location.search).get("frame") || "";

  function tell(msg) {
    if (!framed) return;
    msg.frame = frame;
    window.parent.postMessage(msg, host);
  }

  function clientID() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  // embedLearner is this browser's anonymous id for answers given through
  // embeds, kept in the widget's own storage (the learner cookie does not
  // reach a cross-site iframe). Where storage is refused it lasts as long
  // as the page: the questions and the answers still agree on it.
  let pageLearner = "";
  function embedLearner() {
    try {
      let id = localStorage.getItem("layerlab-embed-learner");
      if (!/^[0-9a-f]{32}$/.test(id || "")) {
        id = clientID();
        localStorage.setItem("layerlab-embed-learner", id);
      }
      return id;
    } catch (e) {
      if (!pageLearner) pageLearner = clientID();
      return pageLearner;
    }
  }

  // answerOf reads a form into the JSON shape its question type takes;
  // undefined when nothing is answered yet.
  function answerOf(form) {
    const checked = [...form.querySelectorAll("input[name=choice]:checked")].map((i) => i.value);
    const text = form.querySelector("[name=text]");
    switch (form.dataset.type) {
      case "multiple": return checked.length ? checked : undefined;
      case "truefalse": return checked.length ? checked[0] === "true" : undefined;
      case "single": return checked[0];
      case "predict":
        if (text) return text.value.trim() ? text.value : undefined;
        return checked[0];
      case "short": return text.value.trim() ? text.value : undefined;
      case "ordering":
        return [...form.querySelectorAll(".quiz-order > li")].map((li) => li.dataset.step);
      case "matching": {
        const out = {};
        let all = true;
        form.querySelectorAll("select[data-item]").forEach((s) => {
          if (!s.value) all = false;
          out[s.dataset.item] = s.value;
        });
        return all ? out : undefined;
      }
    }
    return undefined;
  }

  function para(text) {
    const p = document.createElement("p");
    p.textContent = text;
    return p;
  }

  // show writes the outcome of an answer into the question.
  function show(form, state, title, body, explanation) {
    const box = form.querySelector(".quiz-result");
    box.textContent = "";
    form.dataset.result = state;
    const h = document.createElement("strong");
    h.textContent = title;
    box.append(h);
    for (const text of [body, explanation]) if (text) box.append(para(text));
  }

  async function submit(form) {
    const quiz = form.closest(".quiz");
    const answer = answerOf(form);
    if (answer === undefined) {
      show(form, "error", form.dataset.type === "matching" ? tr("quiz.placeall", "Choose a place for every item first.") : tr("quiz.answerfirst", "Answer first, then check."), "", "");
      return;
    }
    let url = "/api/quizzes/" + encodeURIComponent(form.dataset.quiz) +
      "/questions/" + encodeURIComponent(form.dataset.question) + "/answers";
    if (framed) url += "?embed=" + encodeURIComponent(host);
    else if (quiz.dataset.source === "lesson") {
      url += "?source=lesson";
      if (quiz.dataset.lesson) url += "&lesson=" + encodeURIComponent(quiz.dataset.lesson);
    }
    // Feedback comes back in the language of the page the quiz is on.
    url += (url.includes("?") ? "&" : "?") + "lang=" + encodeURIComponent(document.documentElement.lang || "en");
    const id = form.dataset.clientId || clientID();
    form.dataset.clientId = id; // a retry of the same answer is stored once
    const button = form.querySelector(".quiz-check");
    button.disabled = true;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(framed
          ? { client_id: id, answer: answer, learner: embedLearner() }
          : { client_id: id, answer: answer }),
      });
      let body = {};
      try { body = await res.json(); } catch (e) { body = {}; }
      if (!res.ok) throw new Error(body.error || res.statusText);
      delete form.dataset.clientId;
      const solution = form.querySelector(".quiz-solution");
      solution.hidden = true;
      solution.querySelector("pre").textContent = body.solution || "";
      form.querySelector(".quiz-show").hidden = body.correct || !body.solution;
      if (body.correct) show(form, "correct", tr("quiz.correct", "Correct."), "", body.explanation);
      else show(form, "wrong", tr("quiz.wrong", "Not quite. Try again, or show the answer."), body.feedback, body.explanation);
      tell({ type: "layerlab:answer", quiz: form.dataset.quiz, question: form.dataset.question, correct: body.correct });
      score(quiz);
    } catch (err) {
      show(form, "error", tr("quiz.notchecked", "Your answer could not be checked."), err.message, "");
    } finally {
      button.disabled = false;
    }
  }

  // score updates the running score and, once every question has been
  // answered, the summary with the pass mark.
  function score(quiz) {
    const forms = [...quiz.querySelectorAll("form.quiz-question")];
    const answered = forms.filter((f) => f.dataset.result === "correct" || f.dataset.result === "wrong");
    const right = forms.filter((f) => f.dataset.result === "correct").length;
    const pass = Number(quiz.dataset.pass) || 70;
    quiz.querySelector(".quiz-score").textContent =
      tr("quiz.running", "{answered} of {total} answered · {right} right · pass mark {pass}%", { answered: answered.length, total: forms.length, right: right, pass: pass });
    const end = quiz.querySelector(".quiz-end");
    const wasHidden = end.hidden;
    if (answered.length < forms.length) {
      end.hidden = true;
      return;
    }
    const pct = Math.round((100 * right) / forms.length);
    const passed = pct >= pass;
    quiz.dataset.passed = passed;
    const vars = { right: right, total: forms.length, pct: pct, pass: pass };
    end.querySelector(".quiz-total").textContent = tr("quiz.total", "You got {right} of {total} right ({pct}%).", vars) + " " +
      (passed ? tr("quiz.passed", "Passed: the pass mark is {pass}%.", vars) : tr("quiz.notpassed", "Not passed yet: the pass mark is {pass}%. Retry the questions you missed.", vars));
    const review = end.querySelector(".quiz-review");
    review.textContent = "";
    forms.forEach((f) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "#" + f.id;
      a.dataset.index = f.dataset.index;
      a.textContent = (f.dataset.result === "correct" ? "✓ " : "✗ ") + (f.querySelector("legend").textContent.replace(f.querySelector(".quiz-number") ? f.querySelector(".quiz-number").textContent : "", "")).trim();
      li.dataset.result = f.dataset.result;
      li.append(a);
      review.append(li);
    });
    end.hidden = false;
    if (quiz.dataset.one === "true") page(quiz, forms.length);
    else if (wasHidden && quiz.dataset.started === "true") end.focus({ preventScroll: false });
  }

  function retry(quiz) {
    quiz.querySelectorAll("form.quiz-question").forEach((f) => {
      f.reset();
      f.querySelectorAll("input[type=text], textarea").forEach((t) => { t.value = ""; });
      f.querySelectorAll("input[type=radio], input[type=checkbox]").forEach((i) => { i.checked = false; });
      f.querySelectorAll("select").forEach((s) => { s.value = ""; });
      f.dataset.result = "";
      f.querySelector(".quiz-result").textContent = "";
      f.querySelector(".quiz-solution").hidden = true;
      f.querySelector(".quiz-show").hidden = true;
    });
    quiz.querySelector(".quiz-end").hidden = true;
    score(quiz);
    if (quiz.dataset.one === "true") page(quiz, 0);
    const first = quiz.querySelector("form.quiz-question input, form.quiz-question select, form.quiz-question textarea, form.quiz-question button");
    if (first) first.focus();
  }

  // page shows question n alone (n = the count of questions: the summary).
  function page(quiz, n) {
    const forms = [...quiz.querySelectorAll("form.quiz-question")];
    n = Math.max(0, Math.min(n, forms.length));
    quiz.dataset.page = n;
    forms.forEach((f, i) => { f.hidden = i !== n; });
    const end = quiz.querySelector(".quiz-end");
    const nav = quiz.querySelector(".quiz-nav");
    nav.hidden = false;
    const done = n === forms.length;
    end.hidden = !done || !forms.every((f) => f.dataset.result === "correct" || f.dataset.result === "wrong");
    nav.querySelector(".quiz-where").textContent = done ? tr("quiz.summary", "Summary") : tr("quiz.where", "Question {n} of {total}", { n: n + 1, total: forms.length });
    nav.querySelector(".quiz-prev").disabled = n === 0;
    nav.querySelector(".quiz-next").disabled = done;
    nav.querySelector(".quiz-next").textContent = n === forms.length - 1 ? tr("quiz.finish", "Finish →") : tr("quiz.next", "Next →");
    if (done && end.hidden) {
      nav.querySelector(".quiz-where").textContent = tr("quiz.answerall", "Answer every question to see your score.");
    }
  }

  // move shifts an ordering step up or down and keeps the focus on it.
  function move(li, up) {
    const list = li.parentElement;
    const other = up ? li.previousElementSibling : li.nextElementSibling;
    if (!other) return;
    if (up) list.insertBefore(li, other);
    else list.insertBefore(other, li);
    const steps = [...list.children];
    const btn = li.querySelector(up ? ".quiz-up" : ".quiz-down");
    (btn && !btn.disabled ? btn : li.querySelector("button")).focus();
    const status = list.parentElement.querySelector(".quiz-moved");
    if (status) status.textContent = tr("quiz.moved", "{step}: now {n} of {total}.", { step: li.querySelector(".quiz-step-text").textContent, n: steps.indexOf(li) + 1, total: steps.length });
  }

  function setup(root) {
    root.querySelectorAll(".quiz").forEach((quiz) => {
      if (quiz.dataset.ready) return;
      quiz.dataset.ready = "true";
      score(quiz);
      if (quiz.dataset.one === "true") {
        const forms = [...quiz.querySelectorAll("form.quiz-question")];
        const first = forms.findIndex((f) => !f.dataset.result);
        page(quiz, first < 0 ? forms.length : first);
      }
    });
  }

  document.addEventListener("submit", (e) => {
    const form = e.target.closest("form.quiz-question");
    if (!form) return;
    e.preventDefault();
    form.closest(".quiz").dataset.started = "true";
    submit(form);
  });

  document.addEventListener("click", (e) => {
    const t = e.target.closest("button, .quiz-review a");
    if (!t || !t.closest(".quiz")) return;
    const quiz = t.closest(".quiz");
    const form = t.closest("form.quiz-question");
    if (t.matches(".quiz-up, .quiz-down")) {
      move(t.closest("li"), t.matches(".quiz-up"));
    } else if (t.matches(".quiz-show")) {
      form.querySelector(".quiz-solution").hidden = false;
      t.hidden = true;
    } else if (t.matches(".quiz-retry")) {
      retry(quiz);
    } else if (t.matches(".quiz-prev, .quiz-next")) {
      page(quiz, Number(quiz.dataset.page || 0) + (t.matches(".quiz-next") ? 1 : -1));
    } else if (t.matches(".quiz-review a") && quiz.dataset.one === "true") {
      e.preventDefault();
      page(quiz, Number(t.dataset.index));
    }
  });

  // In an embed the page is the same for everyone: fetch the questions as
  // dealt to this visitor.
  async function load(main) {
    const url = new URL(main.dataset.src, location.href);
    if (framed) {
      url.searchParams.set("embed", host);
      url.searchParams.set("learner", embedLearner());
    }
    url.searchParams.set("lang", document.documentElement.lang || "en");
    const loading = main.querySelector(".quiz-loading");
    try {
      const res = await fetch(url.pathname + url.search, { headers: { Accept: "text/html" } });
      if (!res.ok) throw new Error(res.statusText);
      const box = document.createElement("div");
      box.innerHTML = await res.text();
      loading.replaceWith(...box.childNodes);
      setup(main);
    } catch (err) {
      loading.textContent = tr("quiz.loadfailed", "The quiz could not be loaded:") + " " + err.message;
    }
  }

  function start() {
    document.querySelectorAll("[data-testid=embed-quiz][data-src]").forEach(load);
    setup(document);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  // Report the height whenever it changes, so the frame never scrolls.
  let last = 0;
  function resized() {
    const h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h !== last) {
      last = h;
      tell({ type: "layerlab:resize", height: h });
    }
  }
  if (framed) {
    new ResizeObserver(resized).observe(document.documentElement);
    window.addEventListener("load", resized);
  }
})();
