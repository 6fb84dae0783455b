"""minusma-facts: facts of news reporting on Mali and MINUSMA, coded with verbatim provenance.

``minusma_facts.load()`` and ``minusma_facts.pandera_schema()`` are imported lazily so that
``import minusma_facts`` (and the CLI's ``--help``) stays fast.
"""

__version__ = "0.2.0"

__all__ = ["__version__", "load", "pandera_schema"]


def __getattr__(name):
    if name in ("load", "pandera_schema"):
        from . import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
