// The lesson player: follows every websocket result (app.js dispatches
// "layerlab:result") and ticks steps off as the server reports them done;
// hints, the solution behind an in-page confirm, "reset step", and buttons
// that type a lesson's commands into the console.
(function () {
  "use strict";

  const tr = window.layerlabTr; // theme.js
  document.addEventListener("DOMContentLoaded", () => {
    const lesson = document.getElementById("lesson");
    if (!lesson) return;
    const items = [...lesson.querySelectorAll("[data-testid=step-item]")];
    const steps = [...lesson.querySelectorAll("[data-testid=step]")];
    const flash = lesson.querySelector("[data-testid=step-flash]");
    const done = lesson.querySelector("[data-testid=lesson-done]");
    const input = document.getElementById("console-input");
    const output = document.getElementById("console-output");
    const send = (msg) => document.dispatchEvent(new CustomEvent("layerlab:send", { detail: msg }));
    const goals = [...lesson.querySelectorAll("[data-testid=goal]")];
    const workspace = document.getElementById("workspace");
    // On a narrow screen one pane shows at a time (app.js switches them):
    // a step that changes while the learner is elsewhere marks its tab.
    const markStepTab = () => {
      const tab = document.getElementById("tab-step");
      if (tab && workspace && workspace.dataset.pane !== "step") tab.classList.add("changed");
    };

    function say(text) {
      flash.textContent = text;
      flash.classList.remove("is-flashing");
      void flash.offsetWidth; // restart the animation
      flash.classList.add("is-flashing");
    }

    // A new current step is scrolled to the top of its pane, now if the
    // pane is in view, else when the learner opens it (on a phone).
    let pendingScroll = +lesson.dataset.current > 0;
    function scrollToCurrent() {
      const cur = steps[+lesson.dataset.current];
      if (!pendingScroll || !cur || cur.offsetParent === null) return;
      pendingScroll = false;
      cur.scrollIntoView({ block: "start" });
    }
    const stepTab = document.getElementById("tab-step");
    if (stepTab) stepTab.addEventListener("click", () => setTimeout(scrollToCurrent));
    setTimeout(scrollToCurrent);

    function show(report) {
      const before = lesson.dataset.complete === "true";
      report.done.forEach((d, i) => {
        const state = d ? "done" : i === report.current ? "current" : "todo";
        if (items[i]) items[i].dataset.state = state;
        if (steps[i]) {
          steps[i].dataset.state = state;
          steps[i].hidden = i !== report.current;
        }
      });
      if (String(report.current) !== lesson.dataset.current) {
        markStepTab();
        pendingScroll = true;
      }
      // The goal beside the picture is the current step's.
      goals.forEach((g) => (g.hidden = +g.dataset.step !== report.current));
      lesson.dataset.current = report.current;
      lesson.dataset.complete = report.complete;
      done.hidden = !report.complete;
      if (report.completed && report.completed.length) {
        const names = report.completed.map((i) => tr("lesson.stepdone", "Step {n} done", { n: i + 1 }));
        say("✓ " + names.join(", ") + (report.complete ? ". " + tr("lesson.complete", "Lesson complete!") : "."));
      }
      if (report.complete && !before) done.scrollIntoView({ block: "nearest", behavior: "smooth" });
      else scrollToCurrent();
      // A challenge counts the learner's commands against its par.
      const cur = steps[report.current];
      const count = cur && cur.querySelector("[data-testid=challenge-count]");
      if (count) count.textContent = tr("lesson.count", "Commands so far: {n}.", { n: report.count || 0 });
      (report.completed || []).forEach((i) => {
        const ch = steps[i] && steps[i].querySelector("[data-testid=challenge]");
        if (!ch || !report.took) return;
        const took = report.took[i], par = Number(ch.dataset.par);
        const words = tr(took === 1 ? "lesson.solved1" : "lesson.solved", took === 1 ? "Solved in {took} command (par {par})" : "Solved in {took} commands (par {par})", { took: took, par: par }) +
          (took <= par ? tr("lesson.atpar", ": as short as it gets.") : tr("lesson.overpar", ": it can be done in fewer."));
        steps[i].querySelector("[data-testid=challenge-count]").textContent = words;
        say("✓ " + tr("lesson.stepdone", "Step {n} done", { n: i + 1 }) + ". " + words + (report.complete ? " " + tr("lesson.complete", "Lesson complete!") : ""));
      });
      if (report.prediction) {
        const p = report.prediction;
        const form = steps[p.step] && steps[p.step].querySelector("[data-testid=predict-form]");
        if (form) {
          form.dataset.result = p.correct ? "correct" : "wrong";
          const box = form.querySelector("[data-testid=predict-result]");
          box.textContent = "";
          const h = document.createElement("strong");
          h.textContent = p.correct ? tr("predict.right", "Right: that is what it printed.") : tr("predict.wrong", "Not what it printed: compare with the console.");
          box.append(h);
          if (p.feedback) {
            const fb = document.createElement("p");
            fb.textContent = p.feedback;
            box.append(fb);
          }
        }
      }
    }

    // A prediction goes to the server, which grades it against what the
    // command prints and then runs the command: the console shows it.
    lesson.addEventListener("submit", (e) => {
      const form = e.target.closest("[data-testid=predict-form]");
      if (!form) return;
      e.preventDefault();
      const picked = form.querySelector("input[name=predict]:checked");
      const text = form.querySelector("textarea[name=predict]");
      const answer = picked ? picked.value : text ? text.value : "";
      const box = form.querySelector("[data-testid=predict-result]");
      if (!answer.trim()) {
        box.textContent = tr("predict.first", "Make your prediction first.");
        return;
      }
      box.textContent = tr("predict.running", "Running it…");
      send({ type: "predict", target: form.dataset.step, content: answer });
    });

    // replay holds the messages "reset step" still has to send; each waits
    // for the answer to the one before, so the server sees them in order
    // and its rate limit is never hit.
    let replay = null;
    let sent = 0;
    function next() {
      if (!replay) return;
      const msg = replay.queue.shift();
      if (!msg) {
        say(tr("lesson.reset.done", "Step {n} starts again: the lesson is back where it began.", { n: replay.step + 1 }));
        replay = null;
        lesson.classList.remove("is-replaying");
        return;
      }
      sent++;
      // The server allows a burst of ten messages, then one per 200 ms. The
      // timeout also lets app.js finish with the previous message first (a
      // reset's hello clears the console).
      const wait = sent > 8 ? 220 : 0;
      setTimeout(() => {
        if (msg.type === "cmd") {
          // Echo the line as the console does for a typed command.
          const span = document.createElement("span");
          span.className = "cmd";
          span.textContent = "$ " + msg.line + "\n";
          output.appendChild(span);
        }
        send(msg);
      }, wait);
    }
    function resetStep(index) {
      if (replay) return;
      const queue = [{ type: "reset" }];
      for (const st of steps.slice(0, index)) queue.push(...JSON.parse(st.dataset.replay || "[]"));
      replay = { step: index, queue: queue };
      sent = 0;
      lesson.classList.add("is-replaying");
      say(tr("lesson.reset.busy", "Rebuilding the start of step {n}…", { n: index + 1 }));
      next();
    }

    document.addEventListener("layerlab:result", (e) => {
      const m = e.detail;
      if (!m) return;
      if (m.mode && m.mode.lesson === lesson.dataset.id) show(m.mode);
      if (replay && (m.type === "result" || m.type === "hello" || m.type === "error")) {
        if (m.type === "error") {
          say(tr("lesson.reset.failed", "Reset step stopped:") + " " + m.error);
          replay = null;
          lesson.classList.remove("is-replaying");
          return;
        }
        next();
      }
    });

    lesson.addEventListener("click", (e) => {
      const t = e.target.closest("button");
      if (!t) return;
      if (t.matches(".type-button")) {
        // On a phone the console is another pane: bring it up first.
        const tab = document.getElementById("tab-console");
        if (tab && workspace && workspace.dataset.pane !== "console" && tab.offsetParent !== null) tab.click();
        input.value = t.dataset.line;
        input.focus();
        return;
      }
      const step = t.closest("[data-testid=step]");
      if (!step) return;
      const confirmBox = step.querySelector(".solution-confirm");
      const solution = step.querySelector(".solution");
      const solutionButton = step.querySelector(".solution-button");
      if (t.matches(".hint-button")) {
        // Hints one at a time, the most general first.
        const list = step.querySelector(".hints");
        list.hidden = false;
        const hidden = list.querySelector("li[hidden]");
        if (hidden) hidden.hidden = false;
        if (!list.querySelector("li[hidden]")) {
          t.disabled = true;
          t.textContent = tr("lesson.nomorehints", "No more hints");
        } else {
          t.textContent = tr("lesson.anotherhint", "Another hint");
        }
      } else if (t.matches(".solution-button")) {
        if (!solution.hidden) {
          solution.hidden = true;
          t.textContent = tr("lesson.showsolution", "Show solution");
          t.setAttribute("aria-expanded", "false");
          return;
        }
        // An in-page question rather than confirm(): it does not block the
        // page, and the learner can keep reading the step while deciding.
        confirmBox.hidden = !confirmBox.hidden;
      } else if (t.matches(".confirm-yes")) {
        confirmBox.hidden = true;
        solution.hidden = false;
        solutionButton.textContent = tr("lesson.hidesolution", "Hide solution");
        solutionButton.setAttribute("aria-expanded", "true");
        solution.querySelector("button, pre") && solution.scrollIntoView({ block: "nearest" });
      } else if (t.matches(".confirm-no")) {
        confirmBox.hidden = true;
        solutionButton.focus();
      } else if (t.matches(".reset-step-button")) {
        resetStep(+step.dataset.index);
      }
    });

    // Runnable console blocks get a button per line that types it in.
    lesson.querySelectorAll("pre > code.language-console").forEach((code) => {
      const pre = code.parentElement;
      pre.classList.add("runnable");
      const bar = document.createElement("div");
      bar.className = "type-bar";
      code.textContent.split("\n").map((l) => l.trim()).filter(Boolean).forEach((line) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "type-button";
        b.dataset.testid = "type-button";
        b.dataset.line = line;
        b.dataset.hint = tr("lesson.type.hint", "type it");
        b.title = tr("lesson.type.title", "Type this into the console, then press Enter");
        const icon = document.createElement("span");
        icon.className = "type-icon";
        icon.setAttribute("aria-hidden", "true");
        icon.textContent = "▶";
        const text = document.createElement("code");
        text.textContent = line;
        b.append(icon, text);
        b.setAttribute("aria-label", tr("lesson.type.label", "Type into the console:") + " " + line);
        bar.appendChild(b);
      });
      // The buttons replace the block: each line shows once, clickable.
      pre.replaceWith(bar);
    });
  });
})();
