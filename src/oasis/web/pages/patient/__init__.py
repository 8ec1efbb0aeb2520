"""Patient pages (French, server-rendered, usable at 360 px without JavaScript)."""
