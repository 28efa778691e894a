from tests.runtime.stages.kit import clock, make_stage_app, stage_app  # noqa: F401 - fixtures
