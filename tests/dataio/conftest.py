from tests.masterdata.conftest import beta_catalogue, catalogue  # noqa: F401
