// The lesson player: follows every websocket result (app.js dispatches
// "layerlab:result") and ticks steps off as the server reports them done.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    const lesson = document.getElementById("lesson");
    if (!lesson) return;
    const items = [...lesson.querySelectorAll("[data-testid=step-item]")];
    const steps = [...lesson.querySelectorAll("[data-testid=step]")];
    const flash = lesson.querySelector("[data-testid=step-flash]");
    const done = lesson.querySelector("[data-testid=lesson-done]");

    function show(report) {
      report.done.forEach((d, i) => {
        const state = d ? "done" : i === report.current ? "current" : "todo";
        if (items[i]) items[i].dataset.state = state;
        if (steps[i]) {
          steps[i].dataset.state = state;
          steps[i].hidden = i !== report.current;
        }
      });
      lesson.dataset.current = report.current;
      lesson.dataset.complete = report.complete;
      done.hidden = !report.complete;
      if (report.completed && report.completed.length) {
        const names = report.completed.map((i) => "Step " + (i + 1) + " done");
        flash.textContent = "✓ " + names.join(", ") + (report.complete ? ". Lesson complete!" : ".");
        flash.classList.remove("is-flashing");
        void flash.offsetWidth; // restart the animation
        flash.classList.add("is-flashing");
      }
    }

    document.addEventListener("layerlab:result", (e) => {
      const m = e.detail;
      if (m && m.mode && m.mode.lesson === lesson.dataset.id) show(m.mode);
    });

    // Hints one at a time; the solution after a confirm.
    lesson.addEventListener("click", (e) => {
      const step = e.target.closest("[data-testid=step]");
      if (!step) return;
      if (e.target.matches(".hint-button")) {
        const list = step.querySelector(".hints");
        list.hidden = false;
        const next = list.querySelector("li[hidden]");
        if (next) next.hidden = false;
        if (!list.querySelector("li[hidden]")) e.target.disabled = true;
      } else if (e.target.matches(".solution-button")) {
        if (confirm("Show the solution? Trying first helps it stick.")) {
          step.querySelector(".solution").hidden = false;
        }
      } else if (e.target.matches(".type-button")) {
        const input = document.getElementById("console-input");
        input.value = e.target.dataset.line;
        input.focus();
      }
    });

    // Runnable console blocks get a button per line that types it in.
    lesson.querySelectorAll("pre > code.language-console").forEach((code) => {
      const bar = document.createElement("div");
      bar.className = "type-bar";
      code.textContent.split("\n").map((l) => l.trim()).filter(Boolean).forEach((line) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "type-button";
        b.dataset.testid = "type-button";
        b.dataset.line = line;
        b.textContent = "▶ " + line;
        b.title = "Type this into the console";
        bar.appendChild(b);
      });
      code.parentElement.after(bar);
    });
  });
})();
