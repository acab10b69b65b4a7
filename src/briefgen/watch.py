"""Turn changes to content, catalogs and templates into rebuilds, until interrupted.

A problem in the content, catalogs or templates does not end the watch: it is shown,
and the next change tries again. An option no saved file could make right (``--jobs 0``)
ends it before it starts.
Each rebuild is an ordinary incremental build, so only what the change touched is
rendered again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from pathlib import Path

from briefgen.build import (
    BuildReport,
    Options,
    Paths,
    Reporter,
    Selection,
    build,
    check_options,
    check_selection,
)
from briefgen.errors import BriefgenError

Changes = Iterable[AbstractSet[tuple[object, str]]]


def watched_dirs(paths: Paths) -> list[Path]:
    return [p for p in (paths.content, paths.locales, paths.templates) if p.is_dir()]


def watch(
    paths: Paths,
    selection: Selection,
    options: Options,
    reporter: Reporter,
    *,
    on_report: Callable[[BuildReport], None],
    on_error: Callable[[BriefgenError], None],
    changes: Changes | None = None,
) -> None:
    """Build once, then again after every batch of changes."""
    check_options(options)
    check_selection(selection)
    if changes is None:
        import watchfiles

        # Only the inputs of a build: output/ and the font cache are written by it.
        batches: Changes = watchfiles.watch(*watched_dirs(paths), debounce=300,
                                            raise_interrupt=False)
    else:
        batches = changes

    def once() -> None:
        try:
            on_report(build(paths, selection, options, reporter))
        except BriefgenError as exc:
            on_error(exc)

    # watchfiles logs Ctrl-C as a warning of its own; the watch says it in its words.
    quiet = _DropWarnings()
    logger = logging.getLogger("watchfiles.main")
    logger.addFilter(quiet)
    try:
        once()
        for batch in batches:
            names = sorted({path.name for path in changed_paths(batch)})
            if not names:
                continue
            reporter.step("changed: " + ", ".join(names))
            once()
    finally:
        logger.removeFilter(quiet)
    reporter.step("stopped watching")


class _DropWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno != logging.WARNING


def changed_paths(batch: AbstractSet[tuple[object, str]]) -> set[Path]:
    """The batch's paths, less the files that came and went inside it.

    Editors and ``sed -i`` write a temporary file beside the one they save and rename it
    over the original: the temporary name shows up as added and deleted within one batch.
    It was never an input, so it neither triggers a build nor is named as a change.
    """
    import watchfiles

    kinds: dict[Path, set[object]] = {}
    for kind, path in batch:
        kinds.setdefault(Path(str(path)), set()).add(kind)
    return {path for path, seen in kinds.items()
            if not ({watchfiles.Change.added, watchfiles.Change.deleted} <= seen
                    and not path.exists())}
