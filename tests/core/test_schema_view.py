"""`/api/schema/` serves the OpenAPI document from memory once generated: the same document every time and to every
reader, in the language asked for, one for each URL configuration."""
from functools import lru_cache

import pytest
from drf_spectacular.generators import SchemaGenerator

from core.api import views

pytestmark = pytest.mark.django_db
JSON = "application/vnd.oai.openapi+json"


@pytest.fixture
def generated(monkeypatch):
    """The languages the document was generated in, from a process that has generated none yet (a cache of its own
    for the test: the documents the process's other tests read stay generated)."""
    languages, generate = [], SchemaGenerator.get_schema

    def counted(generator, *args, **kwargs):
        from django.utils import translation

        languages.append(translation.get_language())
        return generate(generator, *args, **kwargs)

    monkeypatch.setattr(views, "_generated", lru_cache(maxsize=8)(views._generated.__wrapped__))
    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    return languages


def test_the_document_is_generated_once_per_language_and_is_the_same_for_every_reader(api, generated, operator, member):
    english = api(None).get("/api/schema/?lang=en", HTTP_ACCEPT=JSON)  # asked first: the default language's is made first
    first = api(None).get("/api/schema/", HTTP_ACCEPT=JSON)
    as_operator = api(operator).get("/api/schema/", HTTP_ACCEPT=JSON)
    as_member = api(member).get("/api/schema/", HTTP_ACCEPT=JSON)
    english_again = api(member).get("/api/schema/?lang=en", HTTP_ACCEPT=JSON)
    english_variant = api(None).get("/api/schema/?lang=en-US", HTTP_ACCEPT=JSON)
    unknown = api(None).get("/api/schema/?lang=xx", HTTP_ACCEPT=JSON)

    assert [r.status_code for r in (first, as_operator, as_member, english, english_again, english_variant, unknown)] == [200] * 7
    assert generated == ["zh-hans", "en"]
    assert first.json() == as_operator.json() == as_member.json() == unknown.json()
    assert english.json() == english_again.json() == english_variant.json() != first.json()
    assert "标识此" in first.content.decode() and "A unique integer value identifying this" in english.content.decode()


def test_another_url_configuration_has_a_document_of_its_own(api, generated, settings):
    before = api(None).get("/api/schema/", HTTP_ACCEPT=JSON).json()
    settings.ROOT_URLCONF = "tests.core.urls_account_api"
    after = api(None).get("/api/schema/", HTTP_ACCEPT=JSON).json()
    settings.PAGE_SIZE_UNUSED = 5  # a setting it is not made from
    api(None).get("/api/schema/", HTTP_ACCEPT=JSON)

    assert generated == ["zh-hans", "zh-hans"]
    assert "/api/v1/orders/" in before["paths"]
    assert sorted(after["paths"]) == ["/api/v1/auth/token/", "/api/v1/me/"]


def test_each_format_is_served_as_its_own_rendering_whichever_was_asked_first(api):
    as_json = api(None).get("/api/schema/", HTTP_ACCEPT=JSON)
    as_yaml = api(None).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    as_json_again = api(None).get("/api/schema/", HTTP_ACCEPT=JSON)
    as_yaml_again = api(None).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")

    assert as_json["Content-Type"].startswith(JSON) and as_yaml["Content-Type"].startswith("application/vnd.oai.openapi;")
    assert as_json.json()["openapi"] == as_json_again.json()["openapi"] and as_json.content == as_json_again.content
    assert as_yaml.content.startswith(b"openapi: ") and as_yaml.content == as_yaml_again.content
    assert as_yaml["Content-Type"] == as_yaml_again["Content-Type"] and as_json["Content-Type"] == as_json_again["Content-Type"]


@pytest.mark.parametrize(("query", "content_type"), [("?format=json", JSON), ("?format=yaml", "application/vnd.oai.openapi"),
                                                     ("", "application/vnd.oai.openapi")])
def test_format_json_serves_the_document_as_json_and_yaml_stays_the_default(api, query, content_type):
    import json

    response = api(None).get(f"/api/schema/{query}")

    assert response.status_code == 200 and response["Content-Type"].split(";")[0] == content_type
    if content_type == JSON:
        assert json.loads(response.content)["openapi"].startswith("3.")
