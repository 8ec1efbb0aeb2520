"""Appointments (book, cancel, reschedule, no-show) and the waiting list."""
