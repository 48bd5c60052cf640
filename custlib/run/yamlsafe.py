"""YAML read safely: no aliases or anchors, no Python tags, impossible dates kept as text.

Parameter files and business-context files are YAML written by people, sometimes received
from others: :func:`safe_yaml_load` refuses the constructs that can make a small file
expand into a huge one, and :data:`MAX_YAML_BYTES` bounds what is read.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAX_YAML_BYTES", "NoAliasSafeLoader", "safe_yaml_load"]


#: Largest parameter or context YAML file read (bytes).
MAX_YAML_BYTES = 1024 * 1024


class NoAliasSafeLoader(yaml.SafeLoader):
    """A :class:`yaml.SafeLoader` that refuses anchors and aliases (``&a`` / ``*a``).

    Aliases let a few hundred bytes expand into billions of nodes (the "billion laughs"
    bomb); parameter and context files never need them, so the first one stops the load.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"found the alias '*{event.anchor}'; aliases and anchors "
                "(&name / *name) are not allowed in custlib YAML files: write the values "
                "out", event.start_mark)
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise yaml.composer.ComposerError(
                None, None, f"found the anchor '&{anchor}'; aliases and anchors "
                "(&name / *name) are not allowed in custlib YAML files: write the values "
                "out", event.start_mark)
        return super().compose_node(parent, index)


def _timestamp_or_text(loader: NoAliasSafeLoader, node: Any) -> Any:
    """Read a YAML date such as ``2024-12-31``; an impossible one stays text.

    ``2024-13-45`` stays text so that the parameter check names it instead of a bare
    ``month must be in 1..12``.
    """
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


NoAliasSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def safe_yaml_load(text: str | bytes) -> Any:
    """Parse YAML with :class:`NoAliasSafeLoader` (no aliases, no anchors, no tags).

    Parameters
    ----------
    text : str or bytes

    Returns
    -------
    The parsed document.

    Raises
    ------
    yaml.YAMLError
        Invalid YAML, or an anchor or alias.

    Examples
    --------
    >>> safe_yaml_load("lang: zh\\nmargin: 0.25")
    {'lang': 'zh', 'margin': 0.25}
    """
    return yaml.load(text, Loader=NoAliasSafeLoader)  # noqa: S506 (a SafeLoader)
