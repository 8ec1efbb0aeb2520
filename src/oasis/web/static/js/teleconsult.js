// Teleconsultation pages: join the 24/7 queue (patient, ETT nurse) and follow the live
// position over /ws/teleconsult/queue/{id}; the doctor goes on duty and takes the next
// patient.  Everyone lands on the consultation's call page (/visio/{room}?token=...).
(() => {
  "use strict";
  const root = document.getElementById("tc");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const view = root.dataset.view;
  const ett = view === "ett";  // the nurse speaks for the patient: « le patient », not « vous »
  window.oasisTele = { state: null, entry: null, messages: [] };

  async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch("/api/v1" + path, options);
    const data = response.headers.get("content-type")?.includes("json")
      ? await response.json() : null;
    if (!response.ok) {
      const error = new Error((data && typeof data.detail === "string") ? data.detail
        : "Erreur " + response.status);
      error.code = data && data.code;
      throw error;
    }
    return data;
  }

  function showError(text) {
    const el = $("tc-error");
    if (el) el.textContent = text || "";
  }

  // ------------------------------------------------------------------ login
  const login = $("tc-login");
  if (login) {
    login.addEventListener("submit", async (event) => {
      event.preventDefault();
      const response = await fetch("/api/v1/auth/login", {
        method: "POST", credentials: "same-origin", body: new URLSearchParams(new FormData(login)),
      });
      if (response.ok) location.reload();
      else $("tc-login-error").textContent = "Adresse ou mot de passe incorrect.";
    });
    return;
  }

  // ------------------------------------------------------------------ waiting
  function describeWait(s) {
    if (s.estimated_wait_minutes === null) {
      return ett ? "Aucun médecin n'est disponible pour l'instant : le patient garde sa place."
        : "Aucun médecin n'est disponible pour l'instant : vous gardez votre place.";
    }
    if (s.estimated_wait_minutes === 0) {
      return ett ? "Un médecin va prendre le patient en charge."
        : "Un médecin va vous prendre en charge.";
    }
    return "Attente estimée : environ " + s.estimated_wait_minutes + " min (" +
      s.doctors_on_duty + " médecin" + (s.doctors_on_duty > 1 ? "s" : "") + " en service).";
  }

  function showReimbursement(r) {
    const box = $("tc-reimbursement");
    if (!box || !r) return;
    const euros = (c) => (c / 100).toFixed(2).replace(".", ",") + " €";
    box.hidden = false;
    box.dataset.reimbursable = r.reimbursable ? "oui" : "non";
    $("tc-reimbursement-title").textContent = r.tiers_payant === "partenaire"
      ? "Financée par votre mutuelle partenaire : rien à payer."
      : (r.reimbursable ? "Remboursée par l'Assurance Maladie" : "Non remboursée par l'Assurance Maladie") +
        " — il vous restera " + euros(r.patient_cents) + ".";
    const list = $("tc-reimbursement-reasons");
    list.replaceChildren(...r.reasons.map((text) => {
      const li = document.createElement("li"); li.textContent = text; return li;
    }));
  }

  // ------------------------------------------------------------------ « le médecin est prêt »
  // A browser notification (permission asked by a button, never on load), the tab's title,
  // and always an on-page banner: the fallback where notifications are refused or absent.
  const READY_DELAY_MS = 1500;
  const READY_TITLE = "Le médecin est prêt — Oasis";
  const canNotify = () => "Notification" in window;

  function notifyStatus(text) {
    const el = $("tc-notify-status");
    if (el) el.textContent = text;
  }

  function setupNotifyButton() {
    const button = $("tc-notify");
    if (!button) return;
    if (!canNotify()) {
      button.hidden = true;
      notifyStatus("Votre navigateur n'affiche pas de notification : gardez cette page " +
        "ouverte, elle vous préviendra.");
      return;
    }
    const show = () => {
      if (Notification.permission === "granted") {
        button.hidden = true;
        notifyStatus("Notifications activées : vous serez prévenu·e quand le médecin est prêt.");
      } else if (Notification.permission === "denied") {
        button.hidden = true;
        notifyStatus("Notifications refusées : gardez cette page ouverte, elle vous préviendra.");
      }
    };
    show();
    button.addEventListener("click", async () => {
      try { await Notification.requestPermission(); } catch (error) { /* refused */ }
      show();
    });
  }

  function doctorReady(url) {
    window.oasisTele.ready = { at: Date.now(), url: url, notified: false };
    document.title = READY_TITLE;
    const banner = $("tc-ready");
    $("tc-ready-link").href = url;
    banner.hidden = false;
    banner.focus();
    if (canNotify() && Notification.permission === "granted") {
      try {
        const n = new Notification("Le médecin est prêt", {
          body: ett ? "Un médecin prend le patient en charge." : "Un médecin vous prend en charge : " +
            "rejoignez l'appel.", tag: "oasis-teleconsultation", requireInteraction: true,
        });
        n.onclick = () => { window.focus(); location.assign(url); };
        window.oasisTele.ready.notified = true;
      } catch (error) { /* some browsers only notify from a service worker: the banner stays */ }
    }
  }

  // ------------------------------------------------------------------ files while waiting
  function fileLine(a) {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = a.url;
    link.textContent = a.filename;
    link.target = "_blank";
    link.rel = "noopener";
    const kind = { "image/jpeg": "photo JPEG", "image/png": "image PNG", "application/pdf": "PDF" };
    li.append(link, " (" + (kind[a.content_type] || a.content_type) + ", " +
      Math.max(1, Math.round(a.size_bytes / 1024)) + " Ko)");
    return li;
  }

  function setupAttach(entryId) {
    const form = $("tc-attach");
    if (!form) return;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      $("tc-attach-error").textContent = "";
      const input = $("tc-file");
      if (!input.files.length) { $("tc-attach-error").textContent = "Choisissez un fichier."; return; }
      const body = new FormData();
      body.append("file", input.files[0]);
      const response = await fetch("/api/v1/teleconsult/queue/" + entryId + "/attachments",
        { method: "POST", credentials: "same-origin", body: body });
      const data = response.headers.get("content-type")?.includes("json")
        ? await response.json() : null;
      if (!response.ok) {
        $("tc-attach-error").textContent = (data && data.detail) || "Envoi impossible.";
        return;
      }
      $("tc-files").append(fileLine(data));
      form.reset();
    });
  }

  // After « Quitter la file »: the page says so, and offers what to do next.
  function showLeft() {
    $("tc-waiting").hidden = true;
    $("tc-left").hidden = false;
    $("tc-left-title").focus();
  }

  function watch(entryId) {
    window.oasisTele.entry = entryId;
    setupNotifyButton();
    setupAttach(entryId);
    $("tc-join").hidden = true;
    $("tc-waiting").hidden = false;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let finished = false;
    const connect = () => {
      const ws = new WebSocket(scheme + location.host + "/ws/teleconsult/queue/" + entryId);
      ws.onmessage = (event) => {
        const s = JSON.parse(event.data);
        window.oasisTele.messages.push({ at: performance.now(), message: s });
        if (s.type === "error") { finished = true; showError(s.message); return; }
        window.oasisTele.state = s;
        if (s.type === "taken") {
          finished = true;
          $("tc-position").textContent = ett
            ? "Un médecin prend le patient en charge : ouverture de l'appel…"
            : "Un médecin vous prend en charge : ouverture de l'appel…";
          $("tc-wait").textContent = "";
          if (s.call && s.call.url) {
            doctorReady(s.call.url);
            // Time to read the banner (and for the notification to show) before the call page.
            setTimeout(() => location.assign(s.call.url), READY_DELAY_MS);
          } else showError(s.message || "La consultation n'est plus disponible.");
          return;
        }
        if (s.status === "cancelled") {
          finished = true;
          showLeft();
          return;
        }
        $("tc-position").textContent = ett
          ? (s.position === 1 ? "Le patient est le prochain." : "Le patient est n° " + s.position +
            " dans la file.")
          : (s.position === 1 ? "Vous êtes le prochain patient."
            : "Vous êtes n° " + s.position + " dans la file.");
        $("tc-wait").textContent = describeWait(s);
      };
      ws.onclose = () => { if (!finished) setTimeout(connect, 2000); };
    };
    connect();
    $("tc-leave").addEventListener("click", async () => {
      try {
        await api("DELETE", "/teleconsult/queue/" + entryId);
        finished = true;
        showLeft();
      } catch (error) { showError(error.message); }
    });
  }

  // ETT: find the patient in front of the nurse by family name and birth date; if none
  // matches, register them (the commune by its name or postal code).
  const search = $("tc-ett-search");
  if (search) {
    search.addEventListener("click", async () => {
      showError("");
      const f = $("tc-join");
      const name = f.elements.family_name.value.trim();
      const birth = f.elements.birth_date.value;
      if (!name || !birth) { showError("Indiquez le nom et la date de naissance."); return; }
      const results = $("tc-ett-results");
      results.textContent = "";
      let found = [];
      try {
        found = await api("GET", "/teleconsult/ett/patients?" +
          new URLSearchParams({ nom: name, naissance: birth }));
      } catch (error) { showError(error.message); return; }
      const group = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = found.length ? found.length + " patient" +
        (found.length > 1 ? "s" : "") + " trouvé" + (found.length > 1 ? "s" : "") +
        " : choisissez" : "Aucun patient à ce nom et cette date de naissance";
      group.append(legend);
      const option = (value, text, checked) => {
        const label = document.createElement("label");
        const input = document.createElement("input");
        input.type = "radio"; input.name = "patient_id"; input.value = value;
        input.checked = checked;
        input.addEventListener("change", () => { $("tc-ett-new").hidden = value !== "new"; });
        label.append(input, " " + text);
        group.append(label);
      };
      found.forEach((p, i) => option(String(p.id), p.given_name + " " + p.family_name +
        " (commune " + p.commune_code + ")", i === 0));
      option("new", "Nouveau patient", found.length === 0);
      results.append(group);
      $("tc-ett-new").hidden = found.length > 0;
    });
  }

  // The price shown is the chosen doctor's (one block per offered specialty, server-side).
  const choices = document.querySelectorAll("#tc-specialty input[name=specialty]");
  choices.forEach((input) => input.addEventListener("change", () => {
    document.querySelectorAll(".tc-conditions[data-specialty]").forEach((box) => {
      box.hidden = box.dataset.specialty !== input.value;
    });
  }));

  // « Pour qui ? »: reload with the chosen person, whose price and reimbursement the
  // server computes (the same billing engine as the API).
  document.querySelectorAll("#tc-pour-qui input[name=pour]").forEach((input) =>
    input.addEventListener("change", () => {
      if (input.checked) {
        window.location.assign("/teleconsultation" + (input.value ? "?pour=" + encodeURIComponent(input.value) : ""));
      }
    }));

  const form = $("tc-join");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showError("");
      const data = new FormData(form);
      const body = { reason: data.get("reason"), triage: data.getAll("triage"),
                     specialty: data.get("specialty") || "generaliste" };
      if (view === "ett") {
        body.mode = "ett";
        const chosen = data.get("patient_id");
        if (chosen && chosen !== "new") {
          body.patient_id = Number(chosen);
          body.patient_birth_date = data.get("birth_date");
        } else if (chosen === "new") {
          body.new_patient = {
            family_name: data.get("family_name"), given_name: data.get("given_name"),
            birth_date: data.get("birth_date"), commune: data.get("commune"),
          };
        } else {
          showError("Recherchez d'abord le patient (nom et date de naissance).");
          return;
        }
      } else {
        body.mode = data.get("mode") || "video";
        if (data.get("callback_phone")) body.callback_phone = data.get("callback_phone");
        // « Pour qui ? »: a relative the account manages (empty: the account holder).
        if (data.get("pour")) body.patient_id = Number(data.get("pour"));
      }
      try {
        const out = await api("POST", "/teleconsult/queue", body);
        if (!out.queued) {
          form.hidden = true;
          $("tc-emergency").hidden = false;
          $("tc-emergency-message").textContent = out.message;
          return;
        }
        showReimbursement(out.reimbursement);
        watch(out.entry.entry_id);
      } catch (error) {
        showError(error.message);
      }
    });
  }

  // ------------------------------------------------------------------ doctor
  const available = $("tc-available");
  if (available) {
    let asked = 0;  // a slow answer must not overwrite a newer one (after a click)
    const refresh = async () => {
      const ticket = ++asked;
      try {
        const s = await api("GET", "/teleconsult/queue");
        if (ticket !== asked) return;
        $("tc-summary").textContent = s.waiting + " patient" + (s.waiting > 1 ? "s" : "") +
          " en attente · " + s.doctors_on_duty + " médecin(s) en service" +
          (s.longest_wait_minutes !== null ? " · plus longue attente " +
            s.longest_wait_minutes + " min" : "");
        available.setAttribute("aria-pressed", String(s.me !== "offline"));
        $("tc-open").hidden = !s.open_encounter_id;
        if (s.open_encounter_id) {
          $("tc-open-link").href = "/pro/consultation/" + s.open_encounter_id;
        }
        available.textContent = s.me === "offline" ? "Je suis disponible" : "Je m'absente";
        window.oasisTele.state = s;
      } catch (error) { showError(error.message); }
    };
    available.addEventListener("click", async () => {
      const on = available.getAttribute("aria-pressed") !== "true";
      try { await api("PUT", "/teleconsult/presence", { status: on ? "available" : "offline" }); }
      catch (error) { showError(error.message); }
      refresh();
    });
    $("tc-next").addEventListener("click", async () => {
      showError("");
      try {
        const out = await api("POST", "/teleconsult/queue/next");
        location.assign(out.call.url);
      } catch (error) {
        showError(error.code === "queue_empty" ? "Aucun patient en attente."
          : error.code === "already_in_consultation"
            ? "Vous avez une consultation ouverte : reprenez-la ou clôturez-la (lien ci-dessous)."
            : error.message);
        refresh();
      }
    });
    // Keep the presence alive while this page is open: a closed tab stops pinging and
    // the server counts the doctor offline after PRESENCE_TTL (90 s).
    const heartbeat = async () => {
      if (available.getAttribute("aria-pressed") !== "true") return;
      try { await api("POST", "/teleconsult/presence/heartbeat"); } catch (error) { /* next */ }
    };
    refresh();
    setInterval(refresh, 5000);
    setInterval(heartbeat, 20000);
  }
})();
