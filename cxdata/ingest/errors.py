"""The one exception the import path raises for a file that cannot be used."""


class UnusableFile(ValueError):
    """A file that cannot be imported at all.

    The message is one sentence for the analyst: what is wrong and how to fix it. Pages and the
    command line show it as it is; they never show a traceback. Runs of whitespace (a header
    or value quoted from the file may hold line breaks or tabs) are folded to one space, so the
    sentence is always one line.
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))
