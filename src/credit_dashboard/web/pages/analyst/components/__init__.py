"""The analyst page's panels: one module each, with its ids, ``layout`` and callbacks."""
