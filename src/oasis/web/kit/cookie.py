"""The name of the pages' session cookie, shared by the sign-in, the gate and CSRF."""

COOKIE_NAME = "oasis_session"
