"""CLI command modules, one per area, registered in :mod:`oasis.commands.app`."""
