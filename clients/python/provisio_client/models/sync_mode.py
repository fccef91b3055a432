from enum import StrEnum


class SyncMode(StrEnum):
    APPLY = "apply"
    PLAN = "plan"

    def __str__(self) -> str:
        return str(self.value)
