"""Websockets only: the hub (in-process or Redis), the teleconsultation queue, the video rooms."""
