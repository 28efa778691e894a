from tests.builder.designer.kit import designer  # noqa: F401 - fixture
