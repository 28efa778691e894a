from tests.runtime.ui.kit import clock, rep, ui_app  # noqa: F401 - fixtures
