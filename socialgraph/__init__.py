"""socialgraph: a social network backend whose social graph lives in a graph database.

The domain package. It never imports ``api`` (the HTTP layer) or ``jobs``
(RQ job entry points); those import it.
"""

__version__ = "0.1.0"
