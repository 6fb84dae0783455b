"""minusma-facts: facts of news reporting on Mali and MINUSMA, coded with verbatim provenance.

``minusma_facts.load()`` is imported lazily so that ``import minusma_facts`` (and the CLI's ``--help``)
stays fast.
"""

__version__ = "0.2.0"

__all__ = ["__version__", "load"]


def __getattr__(name):
    if name == "load":
        from .loader import load

        return load
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
