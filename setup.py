"""Builds the optional compiled PubMed XML reader (curator/importers/_pubmed_c.pyx).

Everything else is in pyproject.toml. The extension is optional: where no C compiler is at hand
the build goes on without it and the importer uses its pure-Python twin (same results, slower).
"""

from setuptools import Extension, setup


def extensions() -> list[Extension]:
    try:
        import lxml
        from Cython.Build import cythonize
    except ImportError:  # no Cython or lxml in the build environment: pure Python
        return []
    ext = Extension(
        "curator.importers._pubmed_c",
        ["curator/importers/_pubmed_c.pyx"],
        include_dirs=lxml.get_include(),
        optional=True,
    )
    built = cythonize([ext], compiler_directives={"language_level": "3"}, quiet=True)
    for e in built:  # cythonize makes new Extension objects: keep them optional
        e.optional = True
    return built


setup(ext_modules=extensions())
