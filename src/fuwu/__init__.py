"""fuwu — 服务工作管理系统."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fuwu")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
