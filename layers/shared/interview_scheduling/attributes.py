"""pynamodb attribute types the domain needs and pynamodb lacks: enums, and a map of typed entries."""

from enum import Enum
from typing import Any, Generic, TypeVar

from pynamodb.attributes import Attribute, MapAttribute
from pynamodb.constants import MAP, STRING

E = TypeVar("E", bound=Enum)
V = TypeVar("V", bound=MapAttribute[str, Any])


class EnumAttribute(Attribute[E], Generic[E]):
    """An enum stored by value; reads hand back the enum member, not a string to compare."""

    attr_type = STRING

    def __init__(self, enum_type: type[E], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.enum_type = enum_type

    def serialize(self, value: E | str) -> str:
        return str(self.enum_type(value).value)

    def deserialize(self, value: str) -> E:
        return self.enum_type(value)


class TypedMapAttribute(Attribute[dict[str, V]], Generic[V]):
    """A map from free-form keys to entries of one MapAttribute type (pynamodb maps are either
    raw or fixed-key). Stored as a DynamoDB map, so update expressions can reach one entry."""

    attr_type = MAP

    def __init__(self, entry_type: type[V], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entry_type = entry_type

    def serialize(self, value: dict[str, V]) -> dict[str, Any]:
        return {key: {MAP: self.entry_type().serialize(entry)} for key, entry in value.items()}

    def deserialize(self, value: dict[str, Any]) -> dict[str, V]:
        return {key: self.entry_type().deserialize(entry[MAP]) for key, entry in value.items()}
