"""Teaching with the kit: the glossary of its terms in English and Chinese.

:mod:`custlib.teaching.glossary` reads ``glossary.yaml`` (every term the notebooks use,
with its Chinese name, a short definition in each language, where the notebooks use it
and related terms) and writes ``docs/glossary.md`` and ``docs/glossary.zh.md`` from it.
"""
