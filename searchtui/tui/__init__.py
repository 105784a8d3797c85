"""The terminal app: search as you type, facet panels, reader.

Only this package (and the CLI command that opens it) imports Textual.
"""
