from enum import StrEnum


class Deprovision(StrEnum):
    DEACTIVATE = "deactivate"
    NONE = "none"

    def __str__(self) -> str:
        return str(self.value)
