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

  // After « Quitter la file »: the page says so, and offers what to do next.
  function showLeft() {
    $("tc-waiting").hidden = true;
    $("tc-left").hidden = false;
    $("tc-left-title").focus();
  }

  function watch(entryId) {
    window.oasisTele.entry = entryId;
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
          if (s.call && s.call.url) location.assign(s.call.url);
          else showError(s.message || "La consultation n'est plus disponible.");
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

  const form = $("tc-join");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showError("");
      const data = new FormData(form);
      const body = { reason: data.get("reason"), triage: data.getAll("triage") };
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
    const refresh = async () => {
      try {
        const s = await api("GET", "/teleconsult/queue");
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
