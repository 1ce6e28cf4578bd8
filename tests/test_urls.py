from yigai.urls import article_id, canonical_url


def test_canonical_url_drops_fragment_tracking_and_index():
    assert canonical_url("HTTP://Example.GOV.cn:80/a/index.html?utm_source=x&b=2&a=1#top") == (
        "http://example.gov.cn/a/?a=1&b=2"
    )


def test_canonical_url_keeps_meaningful_query_and_port():
    assert canonical_url("http://127.0.0.1:8765/portal/health/?page=2") == "http://127.0.0.1:8765/portal/health/?page=2"
    assert canonical_url("https://x.cn:443/p.html") == "https://x.cn/p.html"


def test_article_id_is_stable_across_equivalent_urls():
    a = article_id("http://www.hebwst.gov.cn/a/2024/03/t20240315_1.html")
    assert a == article_id("http://WWW.hebwst.gov.cn/a/2024/03/t20240315_1.html#x")
    assert len(a) == 16 and int(a, 16) >= 0
    assert a != article_id("http://www.hebwst.gov.cn/a/2024/03/t20240315_2.html")
