"""cloudwarden: the AWS Well-Architected security pillar in one program."""

__version__ = "0.1.0"
