"""People of the care platform: patients, practitioners and their roles, staff."""
