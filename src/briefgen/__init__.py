"""briefgen: turn curated human-rights case material into printable advocacy documents."""

from pathlib import Path

__version__ = "0.1.0"


def _bundled_templates() -> Path:
    here = Path(__file__).resolve().parent
    # Installed from a wheel, the templates are package data beside this file; in a
    # source checkout (or an editable install) they are the checkout's templates/.
    installed = here / "templates"
    return installed if installed.is_dir() else here.parents[1] / "templates"


#: The templates a project without a ``templates/`` directory of its own is built with.
BUNDLED_TEMPLATES = _bundled_templates()
