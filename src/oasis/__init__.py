"""Oasis: territory intelligence and a care platform against France's medical deserts."""

__version__ = "0.1.0"
