from enum import StrEnum


class ProviderKind(StrEnum):
    INTERACT = "interact"
    SCIM = "scim"
    VALUE_4 = "8x8"
    WORKIVA = "workiva"
    WORKPLACE = "workplace"

    def __str__(self) -> str:
        return str(self.value)
