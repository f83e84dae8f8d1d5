"""The advisor page's panels: one module each, with its ids, layout() and register_callbacks()."""
