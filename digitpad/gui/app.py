"""Entry point: ``digitpad`` with no arguments, ``python -m digitpad.gui.app``, ``digitpad-gui``.

``main(["--quit-after", "500"])`` shows the window and exits 0 after 500 ms
(packaging smoke tests); a positional path opens a drawing or an image.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="digitpad", description="Draw a digit; a local model names it live.")
    parser.add_argument("file", nargs="?", help="a drawing (.json) or an image (.png/.jpg/.bmp) to open")
    parser.add_argument(
        "--quit-after", type=int, metavar="MS", default=None, help="show the window, then quit after MS milliseconds (exit 0)"
    )
    return parser.parse_known_args(argv)  # unknown options (e.g. -platform) go to Qt


NO_DISPLAY = ("digitpad: cannot open a window: no display (set DISPLAY or WAYLAND_DISPLAY, or use "
              "QT_QPA_PLATFORM=offscreen for a window nobody sees; the command line works without one: "
              "digitpad predict FILE)")


def no_display(env: dict, platform: str, qt_args: list[str]) -> bool:
    """True when Qt would pick X11 (xcb) with no X or Wayland display to talk to.

    Qt then aborts the process (exit 134) with a message about a missing "xcb"
    plugin that sends people looking for libraries; checking first allows one clear line.
    """
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return False
    if "-platform" in qt_args:
        return False
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen and not chosen.startswith("xcb"):
        return False
    if not chosen and env.get("WAYLAND_DISPLAY"):
        return False
    return not env.get("DISPLAY")


def create_window(file: str | None = None, settings=None, autosave=None, samples=None):
    """The main window, with a file opened once the event loop runs (so errors show over the window).

    The last session's drawing is restored from the autosave in ``$DIGITPAD_DATA_DIR``
    (or the app-data folder) unless ``autosave`` points elsewhere; the handwriting samples
    are read from there too unless ``samples`` (a SampleStore) names another file.
    """
    from PySide6.QtCore import QTimer

    from digitpad.gui.window import MainWindow

    window = MainWindow(settings=settings, autosave=autosave, samples=samples)
    if file:
        QTimer.singleShot(0, lambda: window.open_path(file))
    return window


def ensure_application(qt_args: list[str] | None = None):
    """The QApplication (reused when one exists, e.g. under pytest-qt), named for QSettings."""
    from PySide6.QtWidgets import QApplication

    from digitpad.gui.settings import APPLICATION, ORGANIZATION

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "digitpad", *(qt_args or [])])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setDesktopFileName("digitpad")
    from digitpad.gui.window import app_icon

    app.setWindowIcon(app_icon())
    return app


def main(argv: list[str] | None = None) -> int:
    """Run the window; returns the process exit code."""
    # onnxruntime must be loaded before Qt: on Windows, Qt's DLLs can otherwise shadow the
    # MSVC runtime onnxruntime needs and the import fails.
    import onnxruntime  # noqa: F401

    args, qt_args = _parse(sys.argv[1:] if argv is None else list(argv))
    if args.quit_after is not None and args.quit_after < 0:
        print("digitpad: --quit-after must be >= 0", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None and no_display(dict(os.environ), sys.platform, qt_args):
        print(NO_DISPLAY, file=sys.stderr)
        return 1
    app = ensure_application(qt_args)
    from digitpad import logs

    settings = autosave = samples = None
    if args.quit_after is not None:
        # A smoke test must neither depend on nor change the user's settings, autosave, samples or log.
        import tempfile

        from digitpad.gui.autosave import Autosave
        from digitpad.gui.settings import Settings
        from digitpad.personal_samples import SAMPLES_FILE, SampleStore

        scratch = tempfile.TemporaryDirectory(prefix="digitpad-smoke-")
        settings = Settings(Path(scratch.name) / "settings.ini")
        autosave = Autosave(scratch.name)
        samples = SampleStore(Path(scratch.name) / SAMPLES_FILE)
        logs.setup_logging(scratch.name)
    else:
        logs.setup_logging()
    import digitpad

    logging.getLogger("digitpad.gui").info("digitpad %s starting (Python %s)", digitpad.__version__, sys.version.split()[0])
    window = create_window(args.file, settings, autosave, samples)
    from digitpad.gui import errors

    reporter = errors.install(window)
    window.show()
    from PySide6.QtCore import QCoreApplication, QEvent, QTimer

    if args.quit_after is not None:
        # Only quit here; the window is closed below, after exec().  Closing it from a timer as
        # well would post a second Quit event (last window closed) that outlives exec() and,
        # processed later, leaves the reused QApplication "quitting": every later event loop
        # (pytest-qt's waits) would then return at once without delivering timers or signals.
        QTimer.singleShot(args.quit_after, app.quit)
    code = app.exec()
    window.close()
    QCoreApplication.removePostedEvents(app, QEvent.Type.Quit)  # none may outlive this exec()
    sys.excepthook = reporter.previous
    window.deleteLater()
    if settings is not None:
        settings.sync()
        window.autosave.flush()
        logs.stop_logging()
        scratch.cleanup()
    return 0 if args.quit_after is not None else int(code)


if __name__ == "__main__":
    raise SystemExit(main())
