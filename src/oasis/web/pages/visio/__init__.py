"""The video call page."""
