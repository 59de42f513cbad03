"""vaulttool: keeps a clipping vault tidy and searchable."""

__version__ = "0.1.0"
