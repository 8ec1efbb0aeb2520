"""Schedules (weekly availability + exceptions) and the slots generated from them."""
