"""National programmes made operational: the France Santé label and the missions of
« Un médecin près de chez vous ».  Pure rules here; persistence and API elsewhere."""
