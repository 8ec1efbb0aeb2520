/* Oasis teleconsultation: a WebRTC mesh of up to three browsers (doctor, patient, ETT
   nurse) using the "perfect negotiation" pattern; signalling through the app's own
   websocket /ws/visio/{room}. No framework, no CDN, no request outside the app.
   window.oasisVisio exposes the live state for the browser tests and for debugging. */
(function () {
  "use strict";
  const root = document.getElementById("visio");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const ROLES = JSON.parse(root.dataset.roles);
  const STATES = {
    new: "Nouveau", connecting: "Connexion en cours…", connected: "Connecté",
    disconnected: "Connexion interrompue…", failed: "Échec de la connexion", closed: "Terminé",
  };
  const FINAL_CLOSE = { 4400: true, 4401: true, 4403: true, 4409: true, 4410: true };
  const me = { id: root.dataset.participant, role: root.dataset.role, name: root.dataset.name };
  const state = {
    ws: null, stream: null, peers: new Map(), iceServers: [], ended: true, retries: 0,
    measurements: [], chat: [], joinedAt: null, log: [],
  };
  window.oasisVisio = state;

  function trace(what, detail) {  // last events, for support and tests
    state.log.push([Math.round(performance.now()), what, detail || ""]);
    if (state.log.length > 300) state.log.shift();
  }
  function status(text) { $("visio-status").textContent = text; }
  function label(info) {
    const role = ROLES[info.role] || info.role;
    return info.name ? role + " · " + info.name : role;
  }

  // ------------------------------------------------------------------ media
  async function getMedia(audioOnly) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status("La caméra et le micro demandent une adresse sécurisée (https) : " +
             "vous pourrez voir et entendre sans être vu(e) ni entendu(e).");
      return new MediaStream();
    }
    const video = audioOnly ? false :
      { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15, max: 24 } };
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video: video });
    } catch (err) {
      if (video) {
        try {
          const audio = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
          status("Caméra indisponible : appel en audio seulement.");
          return audio;
        } catch (ignored) { /* fall through: receive only */ }
      }
      status("Micro et caméra indisponibles : vous pourrez voir et entendre sans être " +
             "vu(e) ni entendu(e).");
      return new MediaStream();
    }
  }

  // ------------------------------------------------------------------ tiles
  function makeTile(info) {
    const fig = document.createElement("figure");
    fig.className = "tile";
    fig.dataset.peer = info.id;
    fig.dataset.state = "new";
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.setAttribute("aria-label", "Vidéo de " + label(info));
    const cap = document.createElement("figcaption");
    const who = document.createElement("span");
    who.textContent = label(info);
    const st = document.createElement("span");
    st.className = "tile-state";
    st.textContent = " — " + STATES.new;
    cap.append(who, st);
    fig.append(video, cap);
    $("visio-tiles").append(fig);
    return { fig: fig, video: video, state: st };
  }

  function showState(peer) {
    const s = peer.pc.connectionState;
    peer.tile.fig.dataset.state = s;
    peer.tile.state.textContent = " — " + (STATES[s] || s);
    summary();
  }

  function summary() {
    if (state.ended) return;
    if (!state.peers.size) { status("En attente des autres participants…"); return; }
    const parts = [];
    state.peers.forEach((p) => {
      parts.push(label(p.info) + " : " + (STATES[p.pc.connectionState] || p.pc.connectionState));
    });
    status(parts.join(" ; "));
  }

  // ------------------------------------------------------------------ peers
  function send(message) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(message));
  }

  function closePeer(id) {
    const peer = state.peers.get(id);
    if (!peer) return;
    state.peers.delete(id);
    peer.pc.close();
    peer.tile.fig.remove();
  }

  /* The newcomer offers to everyone already in the room; the others add their tracks
     only when that first offer arrives.  Perfect negotiation would settle simultaneous
     offers too, but Chrome may stop gathering ICE candidates after the implicit
     rollback, leaving a pair stuck in "new": so glare is avoided, and the pattern stays
     as the safety net for later renegotiations (ICE restart). */
  function createPeer(info, initiator) {
    closePeer(info.id);
    const pc = new RTCPeerConnection({ iceServers: state.iceServers });
    const peer = {
      info: info, pc: pc, polite: me.id > info.id, makingOffer: false, ignoreOffer: false,
      chain: Promise.resolve(), remote: new MediaStream(), tile: makeTile(info),
      connectedAt: null, awaitingOffer: !initiator,
    };
    state.peers.set(info.id, peer);
    peer.tile.video.srcObject = peer.remote;
    pc.ontrack = (event) => {
      peer.remote.addTrack(event.track);
      peer.tile.video.play().catch(() => {});
    };
    pc.onnegotiationneeded = async () => {
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        send({ type: "signal", to: info.id, data: { description: pc.localDescription } });
        trace("offer>" + info.id, pc.localDescription.type);
      } catch (err) {
        trace("negotiation-error", String(err));
        console.error("négociation", err);
      } finally {
        peer.makingOffer = false;
      }
    };
    pc.onicecandidate = (event) => {
      if (event.candidate) send({ type: "signal", to: info.id, data: { candidate: event.candidate } });
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "connected" && !peer.connectedAt) {
        peer.connectedAt = performance.now();
      }
      if (pc.connectionState === "failed") pc.restartIce();
      trace("state:" + info.id, pc.connectionState);
      showState(peer);
    };
    if (initiator) {
      addTracks(peer);
      if (!state.stream.getTracks().length) {  // receive-only: still start the call
        pc.addTransceiver("audio", { direction: "recvonly" });
        pc.addTransceiver("video", { direction: "recvonly" });
      }
    }
    showState(peer);
    return peer;
  }

  function addTracks(peer) {
    peer.awaitingOffer = false;
    state.stream.getTracks().forEach((track) => peer.pc.addTrack(track, state.stream));
  }

  async function handleSignal(peer, data) {
    const pc = peer.pc;
    trace("signal<" + peer.info.id, data.description ? data.description.type : "candidate");
    try {
      if (data.description) {
        const d = data.description;
        const collision = d.type === "offer" && (peer.makingOffer || pc.signalingState !== "stable");
        peer.ignoreOffer = !peer.polite && collision;
        if (peer.ignoreOffer) { trace("ignored-offer", peer.info.id); return; }
        await pc.setRemoteDescription(d);
        if (d.type === "offer" && peer.awaitingOffer) addTracks(peer);
        if (d.type === "offer") {
          await pc.setLocalDescription();
          send({ type: "signal", to: peer.info.id, data: { description: pc.localDescription } });
          trace("answer>" + peer.info.id, pc.localDescription.type);
        }
      } else if (data.candidate) {
        try {
          await pc.addIceCandidate(data.candidate);
        } catch (err) {
          if (!peer.ignoreOffer) throw err;
        }
      }
    } catch (err) {
      trace("signal-error", String(err));
      console.error("signalisation", err);
    }
  }

  function onSignal(from, data) {
    const peer = state.peers.get(from);
    if (!peer) return;
    // One message at a time per peer, in arrival order.
    peer.chain = peer.chain.then(() => handleSignal(peer, data));
  }

  // ------------------------------------------------------------------ measurements
  // « 9 h 52 » in Paris time, as the server writes hours (oasis.care.finder.text.hour_text).
  function parisHour(iso) {
    const parts = new Intl.DateTimeFormat("fr-FR", {
      timeZone: "Europe/Paris", hour: "numeric", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(new Date(iso));
    const get = (type) => parts.find((p) => p.type === type).value;
    return String(Number(get("hour"))) + "\u00a0h\u00a0" + get("minute");
  }

  function addMeasurement(m) {
    if (state.measurements.some((x) => x.id === m.id)) return;
    state.measurements.push(m);
    const li = document.createElement("li");
    li.dataset.measurement = m.id;
    const time = document.createElement("time");
    time.dateTime = m.recorded_at;
    time.textContent = parisHour(m.recorded_at);
    const text = document.createElement("span");
    text.textContent = " — " + label(m.from) + " : " + m.summary.join(" ; ");
    li.append(time, text);
    $("visio-measure-list").append(li);
    $("visio-measure-empty").hidden = true;
    if (m.from.id === me.id && $("visio-measure")) {
      $("visio-measure").reset();
      $("visio-measure-error").textContent = "";
      $("visio-measure-ok").textContent = "Mesure envoyée.";
    }
  }

  function setupMeasureForm() {
    const form = $("visio-measure");
    if (!form) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      $("visio-measure-ok").textContent = "";
      if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
        $("visio-measure-error").textContent = "Pas de connexion : mesure non envoyée. " +
          "Rejoignez l'appel puis réessayez.";
        return;
      }
      const values = {};
      new FormData(form).forEach((value, key) => {
        if (String(value).trim() !== "") values[key] = String(value).trim();
      });
      send({ type: "measurement", values: values });
    });
  }

  // ------------------------------------------------------------------ chat and files
  // Every text goes through textContent: a message is never HTML.
  function addChat(m) {
    if (state.chat.some((x) => x.id === m.id)) return;
    state.chat.push(m);
    const li = document.createElement("li");
    li.dataset.chat = m.id;
    li.dataset.role = m.from.role;
    const time = document.createElement("time");
    time.dateTime = m.sent_at;
    time.textContent = parisHour(m.sent_at);
    const who = document.createElement("strong");
    who.textContent = " " + (m.from.id === me.id ? "Vous" : label(m.from)) + " : ";
    li.append(time, who);
    if (m.text) {
      const text = document.createElement("span");
      text.className = "chat-text";
      text.textContent = m.text;
      li.append(text);
    }
    if (m.attachment) {
      const a = m.attachment;
      const link = document.createElement("a");
      link.href = a.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.className = "chat-file";
      const kind = a.content_type === "application/pdf" ? "document PDF" : "photo";
      link.textContent = kind + " « " + a.filename + " »";
      li.append(link);
      if (a.content_type !== "application/pdf") {
        const img = document.createElement("img");
        img.src = a.url;
        img.alt = "Photo envoyée : " + a.filename;
        img.className = "chat-photo";
        img.loading = "lazy";
        li.append(img);
      }
    }
    $("visio-chat-list").append(li);
    $("visio-chat-empty").hidden = true;
    if (m.from.id === me.id) { $("visio-chat-error").textContent = ""; }
  }

  function setupChat() {
    const form = $("visio-chat-form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const box = $("visio-chat-text");
      const text = box.value.trim();
      if (!text) return;
      if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
        $("visio-chat-error").textContent = "Pas de connexion : rejoignez l'appel puis réessayez.";
        return;
      }
      send({ type: "chat", text: text });
      box.value = "";
    });
    const files = $("visio-file-form");
    if (!files) return;
    files.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = $("visio-file-error");
      error.textContent = "";
      const input = $("visio-file");
      if (!input.files.length) { error.textContent = "Choisissez un fichier."; return; }
      const body = new FormData();
      body.append("file", input.files[0]);
      const response = await fetch("/api/v1/encounters/" + root.dataset.encounter +
        "/attachments", { method: "POST", credentials: "same-origin", body: body });
      const data = response.headers.get("content-type")?.includes("json")
        ? await response.json() : null;
      if (!response.ok) { error.textContent = (data && data.detail) || "Envoi impossible."; return; }
      files.reset();  // the room announces it to everyone, this page included
    });
  }

  // The doctor closed the consultation: the patient is shown what they take away.
  function consultationEnded() {
    const box = $("visio-ended");
    box.hidden = false;
    box.focus();
    if (root.dataset.summary) setTimeout(() => location.assign(root.dataset.summary), 1500);
  }

  // ------------------------------------------------------------------ signalling socket
  function onMessage(event) {
    const msg = JSON.parse(event.data);
    if (msg.type !== "signal") trace("ws<" + msg.type, msg.peer ? msg.peer.id : (msg.id || ""));
    switch (msg.type) {
      case "welcome":
        state.retries = 0;
        state.iceServers = msg.ice_servers || [];
        state.peers.forEach((p, id) => closePeer(id));
        msg.peers.forEach((info) => createPeer(info, true));
        (msg.measurements || []).forEach(addMeasurement);
        (msg.chat || []).forEach(addChat);
        summary();
        break;
      case "peer-joined": createPeer(msg.peer, false); summary(); break;
      case "peer-left": closePeer(msg.id); summary(); break;
      case "signal": onSignal(msg.from, msg.data); break;
      case "measurement": addMeasurement(msg); break;
      case "chat": addChat(msg); break;
      case "error":
        if (msg.code === "ended") consultationEnded();
        if (msg.code === "invalid-chat" || msg.code === "chat-not-recorded") {
          $("visio-chat-error").textContent = msg.message;
          break;
        }
        if (msg.code === "invalid-measurement" || msg.code === "not-recorded" ||
            msg.code === "forbidden") {
          const box = $("visio-measure-error");
          if (box) { box.textContent = msg.message; break; }
        }
        status(msg.message);
        break;
      default: break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const url = scheme + location.host + "/ws/visio/" + encodeURIComponent(root.dataset.room) +
      "?token=" + encodeURIComponent(root.dataset.token);
    const ws = new WebSocket(url);
    state.ws = ws;
    status("Connexion au serveur…");
    ws.onmessage = onMessage;
    ws.onclose = (event) => {
      if (state.ws !== ws) return;
      state.ws = null;
      state.peers.forEach((p, id) => closePeer(id));
      if (state.ended) return;
      if (FINAL_CLOSE[event.code]) { endCall(false); return; }
      if (state.retries >= 6) { status("Connexion au serveur impossible."); endCall(false); return; }
      const delay = Math.min(8000, 500 * 2 ** state.retries++);
      status("Connexion perdue : nouvelle tentative…");
      setTimeout(() => { if (!state.ended) connect(); }, delay);
    };
  }

  // ------------------------------------------------------------------ controls
  async function join() {
    $("visio-join").disabled = true;
    state.ended = false;
    state.joinedAt = performance.now();
    status("Accès à la caméra et au micro…");
    state.stream = await getMedia($("visio-audio-only").checked);
    $("visio-local").srcObject = state.stream;
    $("visio-prejoin").hidden = true;
    $("visio-controls").hidden = false;
    $("visio-camera").disabled = !state.stream.getVideoTracks().length;
    $("visio-mute").disabled = !state.stream.getAudioTracks().length;
    connect();
  }

  function endCall(byUser) {
    state.ended = true;
    if (state.ws) { const ws = state.ws; state.ws = null; ws.close(1000); }
    state.peers.forEach((p, id) => closePeer(id));
    if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
    $("visio-controls").hidden = true;
    $("visio-prejoin").hidden = false;
    $("visio-join").disabled = false;
    $("visio-join").textContent = "Rejoindre à nouveau";
    if (byUser) status("Appel terminé.");
  }

  function toggle(button, kind, onText, offText) {
    const tracks = kind === "audio" ? state.stream.getAudioTracks() : state.stream.getVideoTracks();
    const off = button.getAttribute("aria-pressed") !== "true";
    tracks.forEach((t) => { t.enabled = !off; });
    button.setAttribute("aria-pressed", String(off));
    button.textContent = off ? offText : onText;
  }

  $("visio-join").addEventListener("click", join);
  $("visio-hangup").addEventListener("click", () => endCall(true));
  $("visio-mute").addEventListener("click", (e) =>
    toggle(e.currentTarget, "audio", "Couper le micro", "Réactiver le micro"));
  $("visio-camera").addEventListener("click", (e) =>
    toggle(e.currentTarget, "video", "Couper la caméra", "Réactiver la caméra"));
  setupMeasureForm();
  setupChat();
})();
