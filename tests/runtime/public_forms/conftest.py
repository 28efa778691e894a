from tests.runtime.public_forms.kit import form_app  # noqa: F401 - the fixture
