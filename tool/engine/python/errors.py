"""The one exception type pt2ts's Python code raises for user-facing failures."""


class ConversionError(Exception):
    """A failure to report as one 'pt2ts: error:' line plus optional details."""

    def __init__(self, message, details=None, exit_code=1):
        super().__init__(message)
        self.message = message
        self.details = details
        self.exit_code = exit_code
