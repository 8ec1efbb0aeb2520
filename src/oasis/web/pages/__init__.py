"""HTML pages only: one module per page family, one ``router`` each."""
