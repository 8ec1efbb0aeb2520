// Teleconsultation pages: join the 24/7 queue (patient, ETT nurse) and follow the live
// position over /ws/teleconsult/queue/{id}; the doctor goes on duty and takes the next
// patient.  Everyone lands on the consultation's call page (/visio/{room}?token=...).
(() => {
  "use strict";
  const root = document.getElementById("tc");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const view = root.dataset.view;
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
      return "Aucun médecin n'est disponible pour l'instant : vous gardez votre place.";
    }
    if (s.estimated_wait_minutes === 0) return "Un médecin va vous prendre en charge.";
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
          $("tc-position").textContent = "Un médecin vous prend en charge : ouverture de l'appel…";
          $("tc-wait").textContent = "";
          if (s.call && s.call.url) location.assign(s.call.url);
          else showError(s.message || "La consultation n'est plus disponible.");
          return;
        }
        if (s.status === "cancelled") {
          finished = true;
          $("tc-position").textContent = "Vous avez quitté la file.";
          $("tc-wait").textContent = "";
          return;
        }
        $("tc-position").textContent = s.position === 1 ? "Vous êtes le prochain patient."
          : "Vous êtes n° " + s.position + " dans la file.";
        $("tc-wait").textContent = describeWait(s);
      };
      ws.onclose = () => { if (!finished) setTimeout(connect, 2000); };
    };
    connect();
    $("tc-leave").addEventListener("click", async () => {
      try { await api("DELETE", "/teleconsult/queue/" + entryId); }
      catch (error) { showError(error.message); }
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
        body.new_patient = {
          family_name: data.get("family_name"), given_name: data.get("given_name"),
          birth_date: data.get("birth_date"), commune_code: data.get("commune_code"),
        };
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
        showError(error.code === "queue_empty" ? "Aucun patient en attente." : error.message);
        refresh();
      }
    });
    refresh();
    setInterval(refresh, 5000);
  }
})();
