"""The Resources section: the providers, rooms and machines a user books and works with, and
their Default Mobile Resource (what the mobile app's schedule opens on), which must be one
of the checked ones: app/ refuses any other, and the page asks for a new default (or clears
it) when the default is unchecked."""

from __future__ import annotations

from typing import Any, ClassVar

from app.audit import Action
from app.catalogs.service import Kind
from app.db.catalog_models import Resource, UserResource
from app.db.kinds import ResourceKind
from app.sections.catalog_picks import CatalogPicksSection, Pick, Picks
from app.workplace import Work

RESOURCES_FIELD = "resources"
DEFAULT_FIELD = "default_mobile_resource"
KIND_ORDER = {kind.value: place for place, kind in enumerate(ResourceKind)}
NOT_CHECKED = "The Default Mobile Resource must be one of the checked resources."


class ResourcesSection(CatalogPicksSection):
    key: ClassVar[str] = "resources"
    title: ClassVar[str] = "Resources"
    order: ClassVar[int] = 60
    kind: ClassVar[Kind] = Kind.RESOURCE
    link: ClassVar[type[UserResource]] = UserResource
    link_column: ClassVar[str] = "resource_id"
    default_column: ClassVar[str] = "default_resource_id"
    action: ClassVar[Action] = Action.RESOURCES_CHANGED
    checked_field: ClassVar[str] = RESOURCES_FIELD
    default_field: ClassVar[str] = DEFAULT_FIELD
    checked_words: ClassVar[str] = "the resources"
    default_words: ClassVar[str] = "the default mobile resource"
    default_among_checked: ClassVar[bool] = True

    def pick_of(self, work: Work, row: Any, checked: bool) -> Pick:
        assert isinstance(row, Resource)
        return Pick(row.id, row.name, row.active, checked, group=row.kind, name=row.name)

    def sort_key(self, pick: Pick) -> tuple[Any, ...]:
        return (KIND_ORDER.get(pick.group, len(KIND_ORDER)), pick.name.casefold(), pick.id)

    def not_checked_problem(self) -> str:
        return NOT_CHECKED

    def as_json(self, work: Work, state: Picks) -> dict[str, Any]:
        default = state.default
        return {
            "resources": [
                {"name": p.name, "kind": p.group, "active": p.active} for p in state.checked
            ],
            "default_mobile": default.name if default is not None else None,
        }
