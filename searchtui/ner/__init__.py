"""Named-entity extraction backends: a fast rule engine and an optional spaCy one.

``searchtui.entities`` is the public face; these modules hold the parts.
"""
