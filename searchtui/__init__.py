"""searchtui: full-text search over a folder of news articles, from the terminal."""

__version__ = "0.1.0"
