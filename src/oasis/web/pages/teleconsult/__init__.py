"""The teleconsultation journey's pages."""
