"""briefgen: turn curated human-rights case material into printable advocacy documents."""

__version__ = "0.1.0"
