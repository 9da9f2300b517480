"""careerblog: Markdown posts and YAML career data in, a fast accessible career site out."""

__version__ = "0.1.0"
