"""The cadre pages: the secretary's page shows their posts, dual roles and training, in the four
languages; a unit's staff list shows the cadres seconded to it; another cell's pages are 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from chibo.cadres import services
from chibo.cadres.services import DecisionInfo

from .conftest import ON, admit
from .test_api import cadres  # noqa: F401 (the fixture)

LABELS = {
    "vi": "Chức vụ kiêm nhiệm",
    "en": "Other roles held at the same time",
    "ko": "겸임 직무",
    "fa": "نقش‌های هم‌زمان",
}


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["vi", "en", "ko", "fa"])
def test_the_secretarys_page_shows_posts_roles_and_training(cadres, personas, lang):  # noqa: F811
    c = Client(headers={"accept-language": lang})
    c.force_login(personas["secretary_a"])
    post = cadres["CA"]
    r = c.get(f"/cadres/members/{post.member_id}/")
    assert r.status_code == 200
    body = r.content.decode()
    assert LABELS[lang] in body
    assert f"/cadres/posts/{post.pk}/" in body  # the post
    assert "Nghiệp vụ" in body  # the course they attended
    assert 'dir="rtl"' in body if lang == "fa" else 'dir="ltr"' in body
    assert "<script>" not in body and "style=" not in body  # strict CSP: nothing inline


@pytest.mark.django_db
def test_pages_of_another_cell_are_404(cadres, personas):  # noqa: F811
    c = Client()
    c.force_login(personas["secretary_a"])
    assert c.get(f"/cadres/members/{cadres['CB'].member_id}/").status_code == 404
    assert c.get("/cadres/units/ORG-CELL-B/").status_code == 404
    assert c.get("/cadres/units/ORG-CELL-A/").status_code == 200


@pytest.mark.django_db
def test_the_staff_list_shows_seconded_cadres(tree, personas):
    m = admit(tree["GX2"], "Hoàng Văn Biệt")
    services.secondment_record(
        actor=None,
        member=m,
        from_org=tree["GX2"],
        to_org=tree["GY1"],
        post_held="Phó Bí thư Đảng ủy xã",
        valid_from=ON,
        valid_to=dt.date(2023, 3, 1),
        decision=DecisionInfo("12-QĐ/TU", dt.date(2021, 2, 20)),
    )
    c = Client()
    c.force_login(personas["admin"])
    receiving = c.get("/cadres/units/ORG-GY1/", {"as_of": "2022-01-01"}).content.decode()
    sending = c.get("/cadres/units/ORG-GX2/", {"as_of": "2022-01-01"}).content.decode()
    assert "Hoàng Văn Biệt" in receiving and "Hoàng Văn Biệt" in sending
    after = c.get("/cadres/units/ORG-GY1/", {"as_of": "2023-06-01"}).content.decode()
    assert "Hoàng Văn Biệt" not in after


@pytest.mark.django_db
def test_the_summary_page_and_its_htmx_fragment(cadres, personas):  # noqa: F811
    c = Client(headers={"accept-language": "en"})
    c.force_login(personas["admin"])
    r = c.get("/cadres/", {"under": "ORG-P1", "as_of": "2021-07-01"})
    assert r.status_code == 200 and "33.3" in r.content.decode()
    frag = c.get(
        "/cadres/", {"under": "ORG-P1", "as_of": "2021-07-01"}, headers={"HX-Request": "true"}
    )
    assert frag.status_code == 200 and "<html" not in frag.content.decode()
    bad = c.get("/cadres/", {"as_of": "2021-13-01", "from": "2022-01-01"})
    assert bad.status_code == 200 and "YYYY-MM-DD" in bad.content.decode()
