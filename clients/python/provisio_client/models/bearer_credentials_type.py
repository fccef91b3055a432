from enum import StrEnum


class BearerCredentialsType(StrEnum):
    BEARER = "bearer"

    def __str__(self) -> str:
        return str(self.value)
