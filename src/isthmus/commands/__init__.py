"""CLI commands, one module per feature. Each module defines ``register(app)``."""
