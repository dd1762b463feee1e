"""Locust scenario: HR officers at work in the admin (run by bench/bench_load.py).

Each simulated officer logs in through the real login form (CSRF token from the cookie), then
browses the profile list of their scope, searches by a name typed without diacritics, opens
profiles and one data group's tab of each (the tab's table is loaded then), and now and then
edits one (the change form posted back as a browser does, with a reason for the change).
"""

from __future__ import annotations

import itertools
import os
import random
import re
import threading

from locust import HttpUser, between, task
from lxml import html as lxml_html

LIST = "/admin/profiles/profile/"
PASSWORD = os.environ.get("CBCCVC_BENCH_PASSWORD", "Tai-thu-nghiem-2026")
USERS = int(os.environ.get("CBCCVC_BENCH_USERS", "50"))
# names as an officer types them: no diacritics, lower case, often partial
SEARCHES = [
    "nguyen van", "tran thi", "le minh", "pham thu", "hoang anh", "vu duc", "dang thi",
    "bui van", "do thi", "ho quang", "ngo thanh", "duong van", "ly thi", "huong", "tuan",
]  # fmt: skip
PROFILE_LINK = re.compile(r'href="/admin/profiles/profile/(\d+)/change/')
TAB_TABLE = re.compile(r'data-src="(/admin/profiles/profile/\d+/nhom/\w+/)"')
_numbers = itertools.count(1)
_lock = threading.Lock()


class HROfficer(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        with _lock:
            number = (next(_numbers) - 1) % USERS + 1
        self.username = f"nhansu{number:02d}"
        self.ids: list[str] = []
        self.client.get("/admin/login/", name="login page")
        token = self.client.cookies.get("csrftoken", "")
        response = self.client.post(
            "/admin/login/?next=/admin/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token,
                "next": "/admin/",
            },
            headers={"Referer": f"{self.host}/admin/login/"},
            name="login",
        )
        if "/admin/login/" in response.url:
            response.failure(f"login failed for {self.username}")
        self.browse()

    def _remember(self, body: str) -> None:
        found = PROFILE_LINK.findall(body)
        if found:
            self.ids = found

    @task(4)
    def browse(self) -> None:
        page = random.randint(1, 5)
        response = self.client.get(f"{LIST}?p={page}", name="list")
        self._remember(response.text)

    @task(3)
    def search(self) -> None:
        response = self.client.get(LIST, params={"q": random.choice(SEARCHES)}, name="search")
        self._remember(response.text)

    @task(3)
    def open_profile(self) -> None:
        if self.ids:
            pk = random.choice(self.ids)
            page = self.client.get(f"{LIST}{pk}/change/", name="profile page")
            # and opens one data group's tab: its table is loaded then (profiles.lazy_inlines)
            tables = TAB_TABLE.findall(page.text)
            if tables:
                self.client.get(random.choice(tables), name="profile tab (one group's table)")

    @task(1)
    def edit_profile(self) -> None:
        if not self.ids:
            return
        pk = random.choice(self.ids)
        url = f"{LIST}{pk}/change/"
        page = self.client.get(url, name="profile page (to edit)")
        doc = lxml_html.fromstring(page.text)
        forms = doc.xpath('//form[@id="profile_form"]')
        if not forms:
            return
        data = dict(forms[0].form_values())
        data["phone"] = f"09{random.randint(10_000_000, 99_999_999)}"
        data["change_reason"] = "Cập nhật số điện thoại (thử tải)"
        data.pop("_addanother", None)
        data.pop("_continue", None)
        data["_save"] = "Lưu"
        with self.client.post(
            url,
            data=data,
            headers={"Referer": f"{self.host}{url}"},
            name="profile save",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"save answered {response.status_code}")
