"""Error pages speak the reader's language and say what to do next; a coordinator's
"introductions" link leads to the introductions they broker."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.matching.models import Match
from tests import factories

from .test_matching_pages import pair  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def _visible_text(html: str) -> str:
    body = re.split(r"<main[^>]*>", html, maxsplit=1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", body)


def test_a_vendor_on_a_coordinator_page_reads_why_in_chinese(reference, vendor_user, web_for):
    response = web_for(vendor_user).get("/coordinator/")

    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问此页面" in body
    assert "此页面仅供平台协调员使用。" in body
    assert "返回首页" in body


def test_the_same_refusal_in_english_has_no_chinese(reference, vendor_user, web_for):
    response = _english(web_for(vendor_user)).get("/coordinator/")

    assert response.status_code == 403
    text = _visible_text(response.content.decode())
    assert "You cannot open this page" in text
    assert "coordinators" in text
    assert not CJK.search(text), CJK.findall(text)


def test_an_unknown_page_is_a_translated_404_with_a_way_on(reference):
    response = _english(Client()).get("/offerings/999999999/")

    assert response.status_code == 404
    text = _visible_text(response.content.decode())
    assert "Page not found" in text
    assert "Search offerings and demands" in text
    assert not CJK.search(text)


def test_a_coordinator_following_introductions_reaches_the_introduced_matches(pair, web_for):  # noqa: F811
    # given an introduction the vendor has accepted and the enterprise has not answered
    match = pair["match"]
    Match.objects.filter(pk=match.pk).update(
        status=Match.Status.INTRODUCED, vendor_response=Match.Response.ACCEPTED
    )
    coordinator = web_for(factories.coordinator())

    # when the coordinator opens /introductions/
    response = coordinator.get("/introductions/", follow=True)

    # then they land on the introduced matches, each side's answer shown
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/coordinator/matches/?status=introduced"
    body = response.content.decode()
    assert "石家庄智能水表" in body
    assert "需求方：待答复" in body
    assert "供给方：接受" in body


@pytest.mark.parametrize(
    ("language", "title", "home"),
    [("zh-hans", "服务器内部错误", "返回首页"), ("en", "Server error", "Back to the home page")],
)
def test_the_server_error_page_stands_alone_in_the_reader_s_language(language, title, home):
    from django.test import RequestFactory
    from django.utils import translation
    from django.views.defaults import server_error

    with translation.override(language):
        response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert f"<title>{title} · " in html and f'<a href="/">{home}</a>' in html
    if language == "en":
        assert '<html lang="en">' in html
        assert not CJK.search(re.sub(r"<[^>]+>", " ", html)), CJK.findall(html)
