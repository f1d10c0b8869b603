"""The 429 page says when to try again and sends Retry-After (issue 11, smaller defects)."""

import math
import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

WINDOW = 15 * 60  # LOGIN_LIMITS: 10 per 15 minutes (per address on the forgotten-password form)


def test_too_many_requests_names_the_retry_time(client_request):
    page = client_request.get("account.forgot_password")
    data = {"csrf_token": page.csrf_token}
    for n in range(10):
        data["email"] = f"someone{n}@example.jp"
        client_request.post("account.forgot_password", _data=data)
    before = time.time()
    data["email"] = "someone10@example.jp"
    refused = client_request.post("account.forgot_password", _data=data, _expected_status=429)

    seconds = int(refused.response.headers["Retry-After"])
    assert 0 < seconds <= WINDOW
    match = re.fullmatch(
        r"短時間に多くのリクエストがありました。約(\d+)分後（(\d\d:\d\d)頃）にもう一度お試しください。",
        refused.h1,
    )
    assert match, refused.h1
    assert int(match[1]) == math.ceil(seconds / 60)
    jst = ZoneInfo("Asia/Tokyo")
    expected = {f"{datetime.fromtimestamp(before + seconds + d, jst):%H:%M}" for d in (-60, 0, 60)}
    assert match[2] in expected
    assert refused.title.startswith("エラー 429")
