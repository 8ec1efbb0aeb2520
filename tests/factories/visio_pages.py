"""Drive the call page /visio/{room} from Playwright (shared by the video browser tests
and benchmarks/visio_connect.py)."""

from __future__ import annotations

import time

from oasis.web.kit.rooms import invite

CONNECTED_JS = """n => {
  const s = window.oasisVisio;
  return !!s && s.peers.size === n &&
    [...s.peers.values()].every(p => p.pc.connectionState === 'connected');
}"""

FRAMES_JS = """async () => {
  const out = {};
  for (const [id, p] of window.oasisVisio.peers) {
    const stats = await p.pc.getStats();
    let frames = 0;
    stats.forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'video')
                           frames += r.framesDecoded || 0; });
    const v = p.tile.video;
    out[id] = {frames, width: v.videoWidth, time: v.currentTime,
               audio: p.remote.getAudioTracks().length, video: p.remote.getVideoTracks().length};
  }
  return out;
}"""

def open_call(new_page, server, room: str, participant: str, role: str, name: str = "",
              *, audio_only: bool = False, label: str | None = None):
    """Open the invitation link in a new browser context and press "Rejoindre l'appel"."""
    link = invite(server.app.state.settings, room, participant, role, name=name)
    page = new_page(label or role)
    page.goto(server.url + link.url)
    if audio_only:
        page.get_by_label("Audio seulement (comme un appel téléphonique)").check()
    page.get_by_role("button", name="Rejoindre l'appel").click()
    return page


def wait_connected(page, peers: int, timeout_ms: float = 90_000) -> float:
    """Wait until every peer connection is ``connected``; ms from page load to the last."""
    page.wait_for_function(CONNECTED_JS, arg=peers, timeout=timeout_ms)
    return page.evaluate(
        "Math.max(...[...window.oasisVisio.peers.values()].map(p => p.connectedAt))")


def wait_video(page, timeout_ms: float = 90_000) -> dict:
    """Wait until frames are decoded and shown from every peer; per-peer figures.

    Polled from Python: the check needs the asynchronous getStats()."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        figures = page.evaluate(FRAMES_JS)
        if figures and all(f["frames"] > 0 and f["width"] > 0 for f in figures.values()):
            return figures
        if time.monotonic() > deadline:
            raise AssertionError(f"no video decoded from every peer: {figures}")
        page.wait_for_timeout(200)
