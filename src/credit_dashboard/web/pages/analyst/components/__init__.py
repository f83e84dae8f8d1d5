"""The analyst page's panels: one module each:
ids, ``layout(services)``, ``register_callbacks(app, services)``."""
