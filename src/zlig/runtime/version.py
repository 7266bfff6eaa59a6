"""zlig's version (the wheel's ``Generator``; ``zlig.__version__``)."""

VERSION = "0.1.0"
