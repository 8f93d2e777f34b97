"""Built-in providers, registered through the ``socialflow`` entry-point group like any plugin."""
