"""Notifications to patients: e-mail (SMTP or the stored outbox) with an .ics, SMS."""
