"""The DX推進指標 index definitions: versioned data files and a validating loader.

Pure Python (stdlib + PyYAML): no Flask, SQLAlchemy or ``app`` imports belong here.

    from questionnaires import load_index
    index = load_index("2019-07")
"""

from questionnaires.loader import (
    DEFAULT_VERSION,
    IndexDefinitionError,
    UnknownVersionError,
    available_versions,
    load_index,
)
from questionnaires.model import (
    ITEM_KINDS,
    VALUE_TYPES,
    Framework,
    Index,
    Item,
    ItemGroup,
    KpiExample,
    KpiGroup,
    Level,
    Step,
)

__all__ = [
    "DEFAULT_VERSION",
    "ITEM_KINDS",
    "VALUE_TYPES",
    "Framework",
    "Index",
    "IndexDefinitionError",
    "Item",
    "ItemGroup",
    "KpiExample",
    "KpiGroup",
    "Level",
    "Step",
    "UnknownVersionError",
    "available_versions",
    "load_index",
]
