// layerlab's page script: theme, the websocket console, the build-context
// editor, the visualizer's animations and details and the session toolbar
// (quizzes are quiz.js's). Small and framework-free on purpose.
(function () {
  "use strict";

  const root = document.documentElement;

  const tr = window.layerlabTr; // theme.js

  // Theme and motion are read by theme.js before the page draws; off means
  // the learner's choice or, by default, the system's reduced-motion wish.
  const reducedMotion = () => root.dataset.motion === "off";

  document.addEventListener("DOMContentLoaded", () => {
    setupConsole();
  });

  const SUBCOMMANDS = [
    "build", "commit", "context", "create", "diff", "exec", "history", "image", "images", "inspect",
    "kill", "logs", "pause", "ps", "pull", "push", "rename", "restart", "rm", "rmi", "run", "start",
    "stop", "system", "tag", "unpause", "volume", "wait",
  ];

  function setupConsole() {
    const form = document.getElementById("console-form");
    if (!form) return;
    const $ = (id) => document.getElementById(id);
    const input = $("console-input");
    const out = $("console-output");
    const status = $("console-status");
    const viz = $("viz");
    const narration = $("narration");
    const details = $("details");
    const prompt = $("prompt");
    const history = JSON.parse(sessionStorage.getItem("layerlab-history") || "[]");
    let pos = history.length;
    let ws = null;
    let pending = [];
    let files = [];
    let current = "Dockerfile";

    // Console lines sent and not answered yet, and the echoes held back.
    let inflight = 0;
    const waiting = [];
    function answered() {
      if (inflight > 0) inflight--;
      out.dataset.results = String(+(out.dataset.results || 0) + 1);
      if (waiting.length) print(prompt.textContent + " " + waiting.shift() + "\n", "cmd");
    }

    function send(msg) {
      const s = JSON.stringify(msg);
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(s);
      else pending.push(s);
    }
    // Other page scripts (the lesson player) send through the same socket.
    document.addEventListener("layerlab:send", (e) => send(e.detail));

    function connect() {
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      // A page may name its session mode (a lesson) on the console form.
      const query = form.dataset.ws ? "?" + form.dataset.ws : "";
      ws = new WebSocket(proto + "//" + location.host + "/ws" + query);
      ws.onopen = () => {
        status.textContent = tr("console.connected", "connected");
        form.dataset.ready = "true";
        pending.forEach((m) => ws.send(m));
        pending = [];
      };
      ws.onclose = (e) => {
        delete form.dataset.ready;
        if (e.code === 4000) {
          // The same session is open in another tab: leave it there.
          // The status reads as a sentence ("Closed here."); the help says why.
          status.textContent = tr("console.closed", "closed here");
          $("console-help").textContent = tr("console.elsewhere", "This session is open in another tab or window. Reload to use it here.");
          input.disabled = true;
          return;
        }
        status.textContent = tr("console.reconnecting", "disconnected, reconnecting");
        setTimeout(connect, 1000);
      };
      ws.onmessage = (e) => handle(JSON.parse(e.data));
    }

    // print adds output, colouring errors, cached steps and echoed commands.
    function print(text, cls) {
      const frag = document.createDocumentFragment();
      for (const line of text.split(/(?<=\n)/)) {
        const span = document.createElement("span");
        let c = cls || "";
        if (!c) {
          if (/^(Error|ERROR|docker: |unknown|.*: not found$|E: )/.test(line)) c = "err";
          else if (/^ => CACHED/.test(line)) c = "cached";
          else if (/^ => ERROR/.test(line)) c = "err";
          else if (/^\$ /.test(line)) c = "cmd";
        }
        if (c) span.className = c;
        span.textContent = line;
        frag.appendChild(span);
      }
      out.appendChild(frag);
      out.scrollTop = out.scrollHeight;
    }

    function handle(msg) {
      // Other page scripts (the lesson player) follow every result.
      document.dispatchEvent(new CustomEvent("layerlab:result", { detail: msg }));
      switch (msg.type) {
        case "error":
          print(msg.error + "\n", "err");
          answered();
          return;
        case "share":
          $("share-url").textContent = msg.url;
          $("share-url").dataset.url = msg.url;
          if (navigator.clipboard) navigator.clipboard.writeText(msg.url).catch(() => {});
          return;
        case "tree":
        case "layer":
          details.innerHTML = msg.html;
          details.hidden = false;
          return;
        case "visit":
        {
          // The lesson player has no pane of its own: the details take it.
          const pane = visitPane || details;
          pane.innerHTML = msg.html;
          pane.hidden = false;
          const close = pane.querySelector("button");
          if (close) close.focus();
          return;
        }
        case "hello":
          inflight = 0;
          waiting.length = 0;
          out.textContent = "";
          if (msg.transcript) print(msg.transcript);
          break;
        case "result":
          // Undo replays the session without its last command: the console
          // rewinds with the picture.
          if (msg.rewound) {
            out.textContent = "";
            if (msg.transcript) print(msg.transcript);
          }
          break;
      }
      if (msg.echo && msg.line) print(prompt.textContent + " " + msg.line + "\n", "cmd");
      if (msg.output) print(msg.output.endsWith("\n") ? msg.output : msg.output + "\n");
      if (msg.prompt !== undefined) prompt.textContent = msg.prompt.trim() || "$";
      if (msg.type === "result" && msg.line && !msg.echo) answered();
      if (msg.files) showFiles(msg.files);
      $("undo") && ($("undo").disabled = !msg.canUndo);
      $("redo") && ($("redo").disabled = !msg.canRedo);
      if (msg.type === "result" || msg.type === "hello") announce(msg);
      // An unchanged visualizer is not sent again.
      if (msg.viz) updateViz(msg.viz, msg.narration || []);
      if (msg.steps) showSteps(msg.steps);
    }

    // announce says what a result did in one sentence, in the polite live
    // region under the console line, where the learner is looking; on a
    // narrow screen the picture's tab is marked when the picture changed.
    function announce(msg) {
      let text = msg.summary || "";
      if (!text && msg.line && msg.output) {
        const lines = msg.output.trim().split("\n").filter((l) => l.trim());
        if (lines.length === 1 && lines[0].length <= 160) text = lines[0];
        else if (lines.length > 1) text = tr("console.lines", "Done: {n} lines of output.", { n: lines.length });
      }
      narration.textContent = text;
      // On a phone the picture's own pane repeats it (screen readers heard it once).
      if ($("picture-news") && msg.type === "result") $("picture-news").textContent = text;
      if (msg.viz && msg.type === "result") markPictureChanged(text);
    }

    // The step-through control replays the last build one instruction at a
    // time: the Dockerfile line lights up, and so does the layer it made.
    let steps = [];
    let at = -1;
    let timer = null;
    const NOTES = {
      base: "FROM: the build starts from this image's layers.",
      layer: "This instruction changed files, so it made a new read-only layer.",
      cached: "Nothing this step depends on changed: its layer came from the build cache.",
      empty: "This instruction ran but changed no file, so no layer was added.",
      metadata: "This instruction only sets the image's settings: no layer, 0B in docker history.",
      failed: "The build stopped here.",
    };
    function showSteps(list) {
      steps = list;
      const box = $("steps");
      if (!box) return;
      box.hidden = steps.length === 0;
      const ol = $("steps-list");
      ol.textContent = "";
      steps.forEach((st, i) => {
        const li = document.createElement("li");
        li.className = "bstep bstep-" + st.kind;
        li.dataset.kind = st.kind;
        const b = document.createElement("button");
        b.type = "button";
        b.className = "bstep-btn";
        const num = document.createElement("span");
        num.className = "bstep-line";
        num.textContent = st.line;
        const code = document.createElement("code");
        code.textContent = st.text.length > 80 ? st.text.slice(0, 79) + "…" : st.text;
        b.append(num, " ", code);
        b.addEventListener("click", () => goStep(i));
        li.appendChild(b);
        ol.appendChild(li);
      });
      at = -1;
    }
    function goStep(i) {
      if (!steps.length) return;
      at = Math.max(0, Math.min(i, steps.length - 1));
      const st = steps[at];
      $("steps-list").querySelectorAll(".bstep").forEach((li, k) => li.classList.toggle("current", k === at));
      viz.querySelectorAll(".layer.highlight").forEach((el) => el.classList.remove("highlight"));
      if (st.digest) viz.querySelectorAll(`[data-testid=layer][data-digest="${cssEscape(st.digest)}"]`).forEach((el) => el.classList.add("highlight"));
      $("step-note").textContent = "Line " + st.line + ": " + NOTES[st.kind];
    }
    const click0 = (id, fn) => $(id) && $(id).addEventListener("click", fn);
    click0("step-prev", () => goStep(at - 1));
    click0("step-next", () => goStep(at + 1));
    click0("step-play", () => {
      if (timer) {
        clearInterval(timer);
        timer = null;
        $("step-play").textContent = tr("steps.play", "Play");
        return;
      }
      goStep(0);
      $("step-play").textContent = tr("steps.pause", "Pause");
      timer = setInterval(() => {
        if (at >= steps.length - 1) {
          clearInterval(timer);
          timer = null;
          $("step-play").textContent = tr("steps.play", "Play");
          return;
        }
        goStep(at + 1);
      }, reducedMotion() ? 1500 : 900);
    });

    // updateViz swaps in the server-rendered visualizer. Each event kind has
    // its own animation; what leaves (a removed container's writable layer,
    // a layer frozen by commit) is animated before the swap.
    function updateViz(html, events) {
      const kinds = new Set(events.map((e) => e.kind));
      const leaving = [];
      if (!reducedMotion()) {
        for (const ev of events) {
          if (ev.kind === "container.removed" || ev.kind === "container.committed") {
            // rm: the whole container evaporates; commit: its writable layer
            // freezes into a read-only one.
            const card = viz.querySelector(`[data-testid="container"][data-name="${cssEscape(ev.target)}"]`);
            const el = card && (ev.kind === "container.removed" ? card : card.querySelector(".writable-layer"));
            if (el) leaving.push([el, ev.kind === "container.removed" ? "anim-evaporate" : "anim-freeze"]);
          }
        }
      }
      const swap = () => {
        const before = new Set([...viz.querySelectorAll("[data-testid=layer], [data-testid=container]")].map(key));
        viz.innerHTML = html;
        viz.querySelectorAll("[data-testid=layer], [data-testid=container]").forEach((el) => {
          if (!before.has(key(el))) el.classList.add("is-new");
        });
        for (const ev of events) animate(ev);
        if (kinds.has("registry.blob-pushed") || kinds.has("registry.blob-pulled")) {
          const reg = viz.querySelector("[data-testid=registry]");
          if (reg) reg.classList.add(kinds.has("registry.blob-pushed") ? "anim-push" : "anim-pull");
        }
      };
      if (leaving.length) {
        leaving.forEach(([el, cls]) => el.classList.add(cls));
        setTimeout(swap, 450);
      } else {
        swap();
      }
    }

    function animate(ev) {
      if (!ev.target) return;
      const t = cssEscape(ev.target);
      let el = null;
      let cls = "";
      switch (ev.kind) {
        case "build.step-cached":
          el = viz.querySelector(`[data-testid=layer][data-digest="${t}"]`);
          cls = "anim-cached";
          break;
        case "container.file-copied-up":
          el = viz.querySelector(`[data-testid=container][data-name="${t}"] .writable-layer`);
          cls = "anim-copyup";
          break;
        case "container.whiteout":
          el = viz.querySelector(`[data-testid=container][data-name="${t}"] .writable-layer`);
          cls = "anim-whiteout";
          break;
        case "container.state-changed":
          el = viz.querySelector(`[data-testid=container][data-name="${t}"] .badge`);
          cls = "anim-state";
          break;
      }
      if (el) el.classList.add(cls);
    }

    function key(el) {
      const img = el.closest("[data-testid=image]");
      return (img ? img.dataset.id : "") + "|" + (el.dataset.digest || el.dataset.name || "");
    }

    // The file explorer and layer details open from the visualizer.
    function openDetails(el) {
      if (el.dataset.open) send({ type: "tree", target: el.dataset.open });
      else if (el.dataset.digest) send({ type: "layer", target: el.dataset.image + ":" + el.dataset.digest });
    }
    // Everything that opens is a real button, so Enter and Space work.
    for (const area of [viz, details]) {
      area.addEventListener("click", (e) => {
        if (e.target.closest("summary")) return;
        const visit = e.target.closest("button.visit");
        if (visit) {
          e.preventDefault();
          openVisit(visit.dataset.container, visit.dataset.port);
          return;
        }
        const el = e.target.closest("button[data-open], [data-testid=layer]");
        if (el && e.target.closest("button")) openDetails(el);
      });
    }

    // A published port of a running container can be visited: the pane
    // shows what the simulated app answers there.
    function openVisit(name, port) {
      send({ type: "visit", target: name + ":" + port });
    }
    const visitPane = $("visit");
    for (const pane of [visitPane, details]) {
      if (pane) pane.addEventListener("click", (e) => {
        if (e.target.closest("[data-close-visit]")) {
          pane.hidden = true;
          pane.textContent = "";
        }
      });
    }

    // The console line.
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const line = input.value.trim();
      input.value = "";
      if (!line) return;
      if (history[history.length - 1] !== line) history.push(line);
      sessionStorage.setItem("layerlab-history", JSON.stringify(history.slice(-200)));
      pos = history.length;
      if (line === "clear") {
        out.textContent = "";
        return;
      }
      document.dispatchEvent(new CustomEvent("layerlab:before-command", { detail: line }));
      // A line typed while an earlier one is still running is echoed when
      // that one's output is in, so outputs never interleave.
      if (inflight === 0) print(prompt.textContent + " " + line + "\n", "cmd");
      else waiting.push(line);
      inflight++;
      send({ type: "cmd", line: line });
    });

    input.addEventListener("keydown", (e) => {
      // Tab completes only a line with text; on an empty line Tab and
      // Escape let focus move on, so the console never traps a keyboard.
      if (e.key === "Escape") {
        e.preventDefault();
        input.value ? (input.value = "") : moveFocusOn(input, 1);
        return;
      }
      if (e.key === "ArrowUp" && pos > 0) {
        pos--;
        input.value = history[pos];
        e.preventDefault();
      } else if (e.key === "ArrowDown") {
        pos = Math.min(pos + 1, history.length);
        input.value = history[pos] || "";
        e.preventDefault();
      } else if (e.key === "Tab" && !e.shiftKey && input.value.trim() !== "") {
        e.preventDefault();
        complete();
      }
    });

    // complete finishes the word at the cursor: docker, its subcommands,
    // then image, container and volume names from the visualizer.
    function moveFocusOn(from, dir) {
      const all = [...document.querySelectorAll("a[href], button:not([disabled]), input:not([disabled]), textarea, summary, [tabindex]:not([tabindex='-1'])")]
        .filter((el) => el.offsetParent !== null || el === from);
      const i = all.indexOf(from);
      const next = all[i + dir];
      if (next) next.focus();
    }

    function complete() {
      const words = input.value.split(/\s+/);
      const word = words[words.length - 1];
      let options;
      if (words.length === 1) options = ["docker", "clear"];
      else if (words.length === 2) options = SUBCOMMANDS;
      else {
        const names = new Set();
        viz.querySelectorAll(".image-name strong, .i-tag, .base-name").forEach((n) => names.add(n.textContent));
        viz.querySelectorAll("[data-testid=container]").forEach((n) => names.add(n.dataset.name));
        viz.querySelectorAll("[data-testid=volume]").forEach((n) => names.add(n.dataset.name));
        options = [...names].filter((n) => n && n !== "<none>");
      }
      const matches = options.filter((o) => o.startsWith(word));
      if (matches.length === 1) {
        words[words.length - 1] = matches[0];
        input.value = words.join(" ") + " ";
      } else if (matches.length > 1) {
        let common = matches[0];
        for (const m of matches) while (!m.startsWith(common)) common = common.slice(0, -1);
        words[words.length - 1] = common;
        input.value = words.join(" ");
        print(matches.join("  ") + "\n", "hint");
      }
    }

    // Commands in the page's text type themselves into the console.
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

    // The session toolbar.
    const click = (id, fn) => $(id) && $(id).addEventListener("click", fn);
    click("undo", () => send({ type: "undo" }));
    click("redo", () => send({ type: "redo" }));
    click("reset", () => {
      if (confirm("Start this session over? Everything you did here is dropped.")) send({ type: "reset" });
    });
    click("share", () => send({ type: "share" }));
    click("motion", () => {
      const off = root.dataset.motion !== "off";
      root.dataset.motion = off ? "off" : "on";
      delete root.dataset.motionSource;
      localStorage.setItem("layerlab-motion", off ? "off" : "on");
      syncMotion();
    });
    function syncMotion() {
      const b = $("motion");
      if (!b) return;
      const off = root.dataset.motion === "off";
      b.setAttribute("aria-pressed", off ? "false" : "true");
      b.textContent = (off ? tr("motion.off", "Animations: off") : tr("motion.on", "Animations: on")) + (root.dataset.motionSource === "system" ? " " + tr("motion.system", "(system setting)") : "");
    }
    syncMotion();

    // The build-context editor. Edits are never lost silently: a dirty
    // file is marked, saved before a build, and switching away asks first.
    const tabs = $("editor-tabs");
    const text = $("editor-text");
    const dirtyMark = $("editor-dirty");
    let dirty = false;
    const savedContent = () => {
      const f = files.find((f) => f.path === current);
      return f ? f.content : "";
    };
    function setDirty(d) {
      dirty = d;
      if (dirtyMark) dirtyMark.hidden = !d;
      const t = tabs && tabs.querySelector('[aria-selected="true"]');
      if (t) d ? (t.dataset.dirty = "true") : delete t.dataset.dirty;
    }
    if (text) text.addEventListener("input", () => setDirty(text.value !== savedContent()));
    function showFiles(list) {
      files = list;
      if (!tabs) return;
      if (!files.some((f) => f.path === current) && files.length) current = files[0].path;
      tabs.textContent = "";
      for (const f of files) {
        const b = document.createElement("button");
        b.type = "button";
        b.setAttribute("role", "tab");
        b.id = "file-tab-" + f.path.replace(/[^A-Za-z0-9_-]/g, "_");
        b.setAttribute("aria-controls", "editor-text");
        b.dataset.path = f.path;
        const sel = f.path === current;
        b.setAttribute("aria-selected", sel ? "true" : "false");
        b.tabIndex = sel ? 0 : -1;
        b.textContent = f.path;
        if (sel && dirty) b.dataset.dirty = "true";
        b.addEventListener("click", () => switchTo(f.path));
        tabs.appendChild(b);
      }
      const f = files.find((f) => f.path === current);
      if (text && !dirty) {
        text.value = f ? f.content : "";
        text.setAttribute("aria-label", "Content of " + current);
      }
    }
    function switchTo(path) {
      if (path === current) return;
      if (dirty) {
        const save = confirm(current + " has unsaved edits. Save them before opening " + path + "? (Cancel keeps you here.)");
        if (!save) return;
        saveFile();
      }
      current = path;
      setDirty(false);
      showFiles(files);
      const t = tabs.querySelector('[aria-selected="true"]');
      if (t) t.focus();
    }
    // Arrow keys move between file tabs, as in any tab list.
    if (tabs) tabs.addEventListener("keydown", (e) => {
      const list = [...tabs.querySelectorAll("[role=tab]")];
      const i = list.indexOf(document.activeElement);
      if (i < 0) return;
      let j = -1;
      if (e.key === "ArrowRight") j = (i + 1) % list.length;
      else if (e.key === "ArrowLeft") j = (i - 1 + list.length) % list.length;
      else if (e.key === "Home") j = 0;
      else if (e.key === "End") j = list.length - 1;
      if (j < 0) return;
      e.preventDefault();
      switchTo(list[j].dataset.path);
    });
    function saveFile() {
      if (!text) return;
      send({ type: "file", path: current, content: text.value });
      const f = files.find((f) => f.path === current);
      if (f) f.content = text.value;
      setDirty(false);
      note("Saved " + current + ".");
    }
    // A build uses what the learner sees: unsaved edits are saved first.
    document.addEventListener("layerlab:before-command", (e) => {
      if (dirty && /^docker\s+(image\s+)?(build|buildx\s+build)\b/.test(e.detail)) {
        saveFile();
        note("Saved " + current + " before the build.");
      }
    });
    window.addEventListener("beforeunload", (e) => {
      if (dirty) e.preventDefault();
    });
    const status2 = $("editor-status");
    const note = (s) => status2 && (status2.textContent = s);
    click("file-save", saveFile);
    click("file-new", () => {
      const name = prompt2("New file name (in the build context):", "");
      if (!name) return;
      if (dirty) saveFile();
      current = name;
      send({ type: "file", path: name, content: "" });
    });
    click("file-rename", () => {
      const name = prompt2("Rename " + current + " to:", current);
      if (!name || name === current) return;
      send({ type: "file", path: name, content: text ? text.value : savedContent() });
      send({ type: "rmfile", path: current });
      current = name;
      setDirty(false);
    });
    click("file-delete", () => {
      if (confirm("Delete " + current + " from the build context?")) {
        setDirty(false);
        send({ type: "rmfile", path: current });
      }
    });

    // On a narrow screen one pane shows at a time; the tabs switch panes
    // and the picture's tab is marked when the picture changed.
    const paneTabs = document.querySelector(".pane-tabs");
    const workspace = $("workspace");
    function showPane(name, focus) {
      if (!workspace || !paneTabs) return;
      workspace.dataset.pane = name;
      // A pane opens at its top, right under the strip, wherever the
      // page was scrolled to in the previous one.
      const top = workspace.getBoundingClientRect().top + scrollY - paneTabs.offsetHeight - 8;
      if (getComputedStyle(paneTabs).display !== "none" && scrollY > top) window.scrollTo(0, top);
      paneTabs.querySelectorAll("[role=tab]").forEach((t) => {
        const on = t.dataset.pane === name;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        if (on) {
          t.classList.remove("changed");
          if (focus) t.focus();
        }
      });
    }
    function markPictureChanged() {
      if (!paneTabs || !workspace || workspace.dataset.pane === "picture") return;
      const t = paneTabs.querySelector('[data-pane="picture"]');
      if (t) t.classList.add("changed");
    }
    if (paneTabs) {
      paneTabs.addEventListener("click", (e) => {
        const t = e.target.closest("[role=tab]");
        if (t) showPane(t.dataset.pane, false);
      });
      paneTabs.addEventListener("keydown", (e) => {
        const list = [...paneTabs.querySelectorAll("[role=tab]")];
        const i = list.indexOf(document.activeElement);
        if (i < 0) return;
        let j = -1;
        if (e.key === "ArrowRight") j = (i + 1) % list.length;
        else if (e.key === "ArrowLeft") j = (i - 1 + list.length) % list.length;
        if (j < 0) return;
        e.preventDefault();
        showPane(list[j].dataset.pane, true);
      });
    }

    connect();
  }

  function prompt2(q, d) {
    const v = window.prompt(q, d);
    return v === null ? "" : v.trim();
  }

  function cssEscape(s) {
    return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&");
  }
})();
