"""The one exception the import path raises for a file that cannot be used."""


class UnusableFile(ValueError):
    """A file that cannot be imported at all.

    The message is one sentence for the analyst: what is wrong and how to fix it. Pages and the
    command line show it as it is; they never show a traceback.
    """
