"""briefgen: turn curated human-rights case material into printable advocacy documents."""

import functools
import hashlib
from pathlib import Path

__version__ = "0.1.0"


@functools.cache
def code_digest() -> str:
    """A digest of briefgen's own modules, recorded with the version number: a patched
    install or a checkout between releases lays out documents differently under the
    same number, and its outputs and caches must not pass for current."""
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _bundled_templates() -> Path:
    here = Path(__file__).resolve().parent
    # Installed from a wheel, the templates are package data beside this file; in a
    # source checkout (or an editable install) they are the checkout's templates/.
    installed = here / "templates"
    return installed if installed.is_dir() else here.parents[1] / "templates"


#: The templates a project without a ``templates/`` directory of its own is built with.
BUNDLED_TEMPLATES = _bundled_templates()
