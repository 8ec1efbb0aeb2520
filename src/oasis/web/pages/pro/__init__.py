"""Pages for professionals: practitioners, ETT nurses, coordinators (French, server-rendered)."""
