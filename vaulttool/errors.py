"""Domain errors. The CLI maps them to click exceptions at the edge."""


class VaultToolError(Exception):
    """Base class of every error vaulttool reports to the user."""


class UsageError(VaultToolError):
    """The user asked for something that cannot be done (exit code 2)."""


class SettingsError(UsageError):
    """The vault's settings cannot be used (exit code 2): one line per problem, each naming the file
    and the key."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = list(problems)

    def __reduce__(self):
        return (self.__class__, (self.problems,))


class NoteError(VaultToolError):
    """One note could not be processed; the run goes on (exit code 1 at the end)."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self):  # pickled across worker processes with both arguments
        return (self.__class__, (self.path, self.reason))


class FrontMatterError(VaultToolError):
    """Front matter that vaulttool refuses to read or rewrite."""


class LockError(VaultToolError):
    """Another vaulttool process holds the vault."""


class StateError(VaultToolError):
    """vaulttool's own files in ``.vaulttool/`` cannot be used safely (a symlink planted there, a
    file with a second name): nothing is written through them; the run stops with one line."""


class DiskFullError(VaultToolError):
    """No space left on the device holding the vault: the run stops, everything left as it was."""
