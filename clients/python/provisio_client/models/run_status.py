from enum import StrEnum


class RunStatus(StrEnum):
    COMPLETED_WITH_ERRORS = "completed_with_errors"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
