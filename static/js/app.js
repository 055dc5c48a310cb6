// layerlab's page script: theme, the websocket console, the visualizer
// updates and the quiz card. Small and framework-free on purpose.
(function () {
  "use strict";

  // Theme: remembered per browser, defaulting to the system's.
  const root = document.documentElement;
  const saved = localStorage.getItem("layerlab-theme");
  if (saved === "light" || saved === "dark") root.dataset.theme = saved;
  document.addEventListener("click", (e) => {
    if (!e.target.closest(".theme-toggle")) return;
    const dark = root.dataset.theme
      ? root.dataset.theme === "dark"
      : matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
    localStorage.setItem("layerlab-theme", root.dataset.theme);
  });

  document.addEventListener("DOMContentLoaded", () => {
    setupConsole();
    setupQuiz();
  });

  function setupConsole() {
    const form = document.getElementById("console-form");
    if (!form) return;
    const input = document.getElementById("console-input");
    const out = document.getElementById("console-output");
    const status = document.getElementById("console-status");
    const viz = document.getElementById("viz");
    const narration = document.getElementById("narration");
    const history = [];
    let pos = 0;
    let ws = null;
    let pending = [];

    function connect() {
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      // A page may name its session mode (a lesson) on the console form.
      const query = form.dataset.ws ? "?" + form.dataset.ws : "";
      ws = new WebSocket(proto + "//" + location.host + "/ws" + query);
      ws.onopen = () => {
        status.textContent = "connected";
        form.dataset.ready = "true";
        pending.forEach((m) => ws.send(m));
        pending = [];
      };
      ws.onclose = () => {
        status.textContent = "disconnected: reconnecting…";
        delete form.dataset.ready;
        setTimeout(connect, 1000);
      };
      ws.onmessage = (e) => handle(JSON.parse(e.data));
    }

    function print(text, cls) {
      const span = document.createElement("span");
      if (cls) span.className = cls;
      span.textContent = text;
      out.appendChild(span);
      out.scrollTop = out.scrollHeight;
    }

    function handle(msg) {
      // Other page scripts (the lesson player) follow every result.
      document.dispatchEvent(new CustomEvent("layerlab:result", { detail: msg }));
      if (msg.type === "error") {
        print(msg.error + "\n", "err");
        return;
      }
      if (msg.output) print(msg.output.endsWith("\n") ? msg.output : msg.output + "\n");
      if (msg.viz !== undefined) updateViz(msg.viz);
      if (msg.narration && msg.narration.length) {
        narration.textContent = msg.narration.map((n) => n.text).join(" ");
      }
    }

    // updateViz swaps in the server-rendered visualizer and marks what is new
    // so CSS can animate it (instantly under prefers-reduced-motion).
    function updateViz(html) {
      const before = new Set(
        [...viz.querySelectorAll("[data-testid=layer], [data-testid=container]")].map(key)
      );
      viz.innerHTML = html;
      viz.querySelectorAll("[data-testid=layer], [data-testid=container]").forEach((el) => {
        if (!before.has(key(el))) el.classList.add("is-new");
      });
    }

    function key(el) {
      const img = el.closest("[data-testid=image]");
      return (img ? img.dataset.id : "") + "|" + (el.dataset.digest || el.dataset.name || "");
    }

    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const line = input.value.trim();
      input.value = "";
      if (!line) return;
      history.push(line);
      pos = history.length;
      if (line === "clear") {
        out.textContent = "";
        return;
      }
      print("$ " + line + "\n", "cmd");
      const msg = JSON.stringify({ type: "cmd", line: line });
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(msg);
      else pending.push(msg);
    });

    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowUp" && pos > 0) {
        pos--;
        input.value = history[pos];
        e.preventDefault();
      } else if (e.key === "ArrowDown") {
        pos = Math.min(pos + 1, history.length);
        input.value = history[pos] || "";
        e.preventDefault();
      }
    });

    document.querySelectorAll("code.cmd").forEach((c) => {
      c.tabIndex = 0;
      c.title = "Click to type this into the console";
      const type = () => {
        input.value = c.textContent;
        input.focus();
      };
      c.addEventListener("click", type);
      c.addEventListener("keydown", (e) => {
        if (e.key === "Enter") type();
      });
    });

    connect();
  }

  // clientID names one answer so a resubmission is stored once; it works
  // outside secure contexts too, where crypto.randomUUID is missing.
  function clientID() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  function setupQuiz() {
    document.querySelectorAll("form.quiz-form").forEach((form) => {
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const feedback = form.querySelector(".quiz-feedback");
        const choice = form.querySelector("input[name=choice]:checked");
        if (!choice) return;
        const url =
          "/api/quizzes/" + encodeURIComponent(form.dataset.quiz) +
          "/questions/" + encodeURIComponent(form.dataset.question) + "/answers";
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ client_id: clientID(), answer: choice.value }),
          });
          const body = await res.json();
          if (!res.ok) throw new Error(body.error || res.statusText);
          form.dataset.result = body.correct ? "correct" : "wrong";
          feedback.textContent = (body.correct ? "Correct. " : "Not quite. ") +
            (body.correct ? "" : body.feedback + " ") + body.explanation;
        } catch (err) {
          form.dataset.result = "error";
          feedback.textContent = "Your answer could not be saved: " + err.message;
        }
      });
    });
  }
})();
