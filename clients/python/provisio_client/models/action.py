from enum import StrEnum


class Action(StrEnum):
    ADD_MEMBERS = "add_members"
    CONFLICT = "conflict"
    CREATE = "create"
    CREATE_GROUP = "create_group"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    REMOVE_MEMBERS = "remove_members"
    UNCHANGED = "unchanged"
    UPDATE = "update"

    def __str__(self) -> str:
        return str(self.value)
