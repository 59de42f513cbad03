"""URL helpers: redirect unwrapping, duplicate keys, site names, safety."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import corpus_files
from vaulttool.core.clip.urls import is_safe_url, registrable_host, site_name, unwrap_redirect, url_key

# --------------------------------------------------------------------------- unwrap_redirect


@pytest.mark.parametrize("url, expected", [
    ("https://weibo.cn/sinaurl?u=https%3A%2F%2Fmp.weixin.qq.com%2Fs%2Fj-F1eNH-hjxUVFRXw_njnQ",
     "https://mp.weixin.qq.com/s/j-F1eNH-hjxUVFRXw_njnQ"),
    ("http://weibo.cn/sinaurl?u=http%3A%2F%2Fexample.com%2Fa%3Fb%3D1%26c%3D2",
     "http://example.com/a?b=1&c=2"),
    ("https://m.weibo.cn/sinaurl?u=https%3A%2F%2Fexample.com%2Fa%2Bb", "https://example.com/a+b"),
    ("https://weibo.cn/sinaurl?toasturl=x&u=https%3A%2F%2Fexample.com%2F", "https://example.com/"),
    ("https://link.zhihu.com/?target=https%3A//github.com/x/y", "https://github.com/x/y"),
    # nested wrappers are unwrapped to the end
    ("https://weibo.cn/sinaurl?u=" + quote("https://weibo.cn/sinaurl?u=" + quote("https://a.com/x", safe=""),
                                          safe=""), "https://a.com/x"),
])
def test_unwrap_redirect(url, expected):
    assert unwrap_redirect(url) == expected


@pytest.mark.parametrize("url", [
    "https://weibo.com/6105753431/Po6fpoDpS",
    "https://weibo.cn/sinaurl",                       # no u=
    "https://weibo.cn/sinaurl?u=",                    # empty u=
    "https://weibo.cn/sinaurl?u=javascript%3Aalert(1)",  # never unwrap to an unsafe target
    "https://example.com/sinaurl?u=https%3A%2F%2Fa.com",  # not Weibo's host
    "not a url",
    "",
])
def test_unwrap_redirect_leaves_others_alone(url):
    assert unwrap_redirect(url) == url


# --------------------------------------------------------------------------- url_key


@pytest.mark.parametrize("urls", [
    # arXiv versions and formats
    ["https://arxiv.org/abs/2503.14499v1", "http://arxiv.org/abs/2503.14499v2",
     "https://arxiv.org/pdf/2503.14499v2.pdf", "https://arxiv.org/pdf/2503.14499",
     "https://www.arxiv.org/abs/2503.14499/", "https://arxiv.org/html/2503.14499v1",
     "https://export.arxiv.org/abs/2503.14499"],
    ["https://arxiv.org/abs/hep-th/9901001v2", "https://arxiv.org/pdf/hep-th/9901001"],
    # scheme, www, case of host, default port, trailing slash, fragment, tracking, order
    ["https://www.Example.com:443/a/b/?b=2&a=1#top", "http://example.com/a/b?a=1&b=2&utm_source=x",
     "https://example.com/a/b?utm_medium=y&a=1&b=2&spm=1.2.3&fbclid=z&gclid=q"],
    # percent-escapes: case, unreserved characters, raw non-ASCII
    ["https://example.com/%7euser/%e4%b8%ad?q=%E6%96%87", "https://example.com/~user/中?q=文"],
    # a Weibo post: desktop base-62 id, mobile numeric id, mobile base-62 id, tracking
    ["https://weibo.com/6105753431/Plf5A1tWy", "https://m.weibo.cn/status/5150628940353434",
     "https://m.weibo.cn/detail/5150628940353434", "https://m.weibo.cn/status/Plf5A1tWy?from=page",
     "https://weibo.com/6105753431/5150628940353434", "https://weibo.com/6105753431/Plf5A1tWy?wvr=6"],
    ["https://video.weibo.com/show?fid=1034:5156846336409649",
     "https://video.weibo.com/show?fid=1034%3A5156846336409649"],
    # a redirect and its target
    ["https://weibo.cn/sinaurl?u=https%3A%2F%2Fexample.org%2Fp", "https://example.org/p"],
    # YouTube
    ["https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ?si=abc",
     "https://m.youtube.com/watch?v=dQw4w9WgXcQ&feature=share", "https://youtube.com/shorts/dQw4w9WgXcQ"],
    # X / Twitter
    ["https://twitter.com/Someone/status/1234567890?s=20&t=abc", "https://x.com/someone/status/1234567890",
     "https://mobile.twitter.com/someone/status/1234567890/photo/1", "https://x.com/i/web/status/1234567890"],
    # WeChat articles
    ["https://mp.weixin.qq.com/s?__biz=MzA&mid=2650&idx=1&sn=abc&chksm=zz&scene=21#wechat_redirect",
     "http://mp.weixin.qq.com/s?sn=abc&idx=1&mid=2650&__biz=MzA"],
    ["https://mp.weixin.qq.com/s/j-F1eNH-hjxUVFRXw_njnQ", "https://mp.weixin.qq.com/s/j-F1eNH-hjxUVFRXw_njnQ?scene=1"],
    # GitHub owner/repo are case-insensitive
    ["https://github.com/Foo/Bar", "https://github.com/foo/bar.git", "https://www.github.com/foo/bar/"],
    # bilibili share parameters
    ["https://www.bilibili.com/video/BV1xx411c7mD/?spm_id_from=333.1&vd_source=abc",
     "https://m.bilibili.com/video/BV1xx411c7mD"],
    ["https://en.m.wikipedia.org/wiki/Transformer", "https://en.wikipedia.org/wiki/Transformer"],
])
def test_url_key_same(urls):
    keys = {url_key(u) for u in urls}
    assert len(keys) == 1, keys


@pytest.mark.parametrize("a, b", [
    ("https://arxiv.org/abs/2503.14499", "https://arxiv.org/abs/2503.14498"),
    ("https://example.com/a?x=1", "https://example.com/a?x=2"),
    ("https://example.com/A", "https://example.com/a"),            # paths are case-sensitive
    ("https://github.com/foo/bar/blob/main/A.md", "https://github.com/foo/bar/blob/main/a.md"),
    ("https://example.com/a", "https://example.com:8080/a"),
    ("https://example.com/#/route/1", "https://example.com/#/route/2"),  # hash routes are kept
    ("https://weibo.com/6105753431/Plf5A1tWy", "https://weibo.com/6105753431/Plf5A1tWz"),
    ("https://weibo.com/6105753431", "https://weibo.com/6105753432"),
    ("https://lottery.media.weibo.com/lottery/h5/history/list?mid=1",
     "https://lottery.media.weibo.com/lottery/h5/history/list?mid=2"),
    ("https://example.com/page?from=a", "https://example.com/page?from=b"),  # `from` only for known hosts
    ("https://m.example.com/x", "https://example.com/x"),          # unknown m. sites are left alone
    ("https://www.youtube.com/watch?v=aaaaaaaaaaa", "https://www.youtube.com/watch?v=bbbbbbbbbbb"),
    ("https://example.com/a%2Fb", "https://example.com/a/b"),      # an encoded slash is not a slash
    ("https://x.com/a/status/1", "https://x.com/a/status/2"),
])
def test_url_key_different(a, b):
    assert url_key(a) != url_key(b)


def test_url_key_shapes():
    assert url_key("https://arxiv.org/pdf/2503.14499v2.pdf") == "arxiv.org/abs/2503.14499"
    assert url_key("https://m.weibo.cn/status/5150628940353434") == "weibo.com/status/Plf5A1tWy"
    assert url_key("HTTPS://Example.com/a/?b=2&a=1#x") == "example.com/a?a=1&b=2"
    assert url_key("https://example.com/") == "example.com"
    assert url_key("mailto:someone@example.com") == "mailto:someone@example.com"
    assert url_key("  https://example.com/a  ") == "example.com/a"
    assert url_key("") == ""


_URLS = st.builds(
    lambda scheme, www, host, path, query, frag: f"{scheme}://{www}{host}/{path}{query}{frag}",
    st.sampled_from(["http", "https", "HTTPS"]),
    st.sampled_from(["", "www.", "WWW."]),
    st.sampled_from(["example.com", "Example.ORG", "arxiv.org", "weibo.com", "github.com", "a.b.c.net"]),
    st.text(alphabet=st.sampled_from(list("abcAB01_-.~/%中")), max_size=20),
    st.sampled_from(["", "?a=1", "?b=2&a=1", "?utm_source=x", "?q=%E4%B8%AD&z=", "?x=1&x=2"]),
    st.sampled_from(["", "#frag", "#/route"]),
)


@settings(max_examples=300, deadline=None)
@given(_URLS)
def test_property_url_key_is_stable(url):
    key = url_key(url)
    assert "://" not in key  # http(s) keys carry no scheme
    assert url_key("https://" + key) == key
    assert url_key(re.sub(r"^https?", "http", url, flags=re.I)) == key
    scheme, rest = url.split("://", 1)
    host, _, tail = rest.partition("/")
    assert url_key(f"{scheme}://{host.upper()}/{tail}") == key


# --------------------------------------------------------------------------- site_name


@pytest.mark.parametrize("url, name", [
    ("https://weibo.com/6105753431/Po6fpoDpS", "微博"),
    ("https://m.weibo.cn/status/123", "微博"),
    ("https://video.weibo.com/show?fid=1", "微博"),
    ("https://weibo.cn/sinaurl?u=https%3A%2F%2Fgithub.com%2Fa%2Fb", "GitHub"),
    ("https://arxiv.org/abs/2503.14499", "arXiv"),
    ("https://github.com/a/b", "GitHub"),
    ("https://someone.github.io/post", "GitHub Pages"),
    ("https://mp.weixin.qq.com/s/abc", "微信公众号"),
    ("https://www.zhihu.com/question/1", "知乎"),
    ("https://zhuanlan.zhihu.com/p/1", "知乎"),
    ("https://www.bilibili.com/video/BV1", "B站"),
    ("https://b23.tv/abc", "B站"),
    ("https://youtu.be/abc", "YouTube"),
    ("https://m.youtube.com/watch?v=1", "YouTube"),
    ("https://twitter.com/a", "X"),
    ("https://x.com/a", "X"),
    ("https://medium.com/@a/post", "Medium"),
    ("https://someone.medium.com/post", "Medium"),
    ("https://huggingface.co/papers/1", "Hugging Face"),
    ("https://www.example.com/a", "example.com"),
    ("https://blog.example.com/a", "example.com"),
    ("https://news.example.co.uk/a", "example.co.uk"),
    ("https://www.example.com.cn/", "example.com.cn"),
    ("http://127.0.0.1:8000/x", "127.0.0.1"),
    ("https://localhost/x", "localhost"),
])
def test_site_name(url, name):
    assert site_name(url) == name


@pytest.mark.parametrize("url", ["mailto:a@b.c", "javascript:alert(1)", "ftp://example.com/x", "/relative",
                                 "", "example.com"])
def test_site_name_none(url):
    assert site_name(url) is None


def test_registrable_host():
    assert registrable_host("a.b.example.com") == "example.com"
    assert registrable_host("www.example.com.cn") == "example.com.cn"
    assert registrable_host("x.github.io") == "x.github.io"
    assert registrable_host("") is None


# --------------------------------------------------------------------------- is_safe_url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java\nscript:x", "\x01javascript:x", "vbscript:msgbox", "data:text/html,<script>x</script>",
    "DATA:text/html;base64,xx", "file:///etc/passwd",
])
def test_unsafe_urls(url):
    assert not is_safe_url(url)


@pytest.mark.parametrize("url", [
    "https://example.com", "http://example.com/javascript:x", "data:image/png;base64,iVBOR",
    "mailto:a@b.c", "/relative/path", "#fragment", "obsidian://open?vault=x", "",
])
def test_safe_urls(url):
    assert is_safe_url(url)


# --------------------------------------------------------------------------- the real corpus


@pytest.mark.corpus
def test_corpus_url_keys(corpus_dir):
    urls = []
    for path in corpus_files():
        m = re.search(r"^\*\*URL\*\*: *(\S+)", path.read_text(encoding="utf-8"), re.M)
        if m:
            urls.append(m.group(1))
    keys = {url_key(u) for u in urls}
    assert len(urls) > 3000
    # arXiv v1/v2 clips collapse: fewer keys than distinct URLs, never more
    assert len(keys) < len(set(urls)) < len(urls)
    assert all(site_name(u) in ("微博", "arXiv") for u in urls)
    arxiv = {k for k in keys if k.startswith("arxiv.org/")}
    assert all(re.fullmatch(r"arxiv\.org/abs/\d{4}\.\d{4,5}", k) for k in arxiv)
    weibo = {k for k in keys if k.startswith("weibo.com/")}
    assert all(re.fullmatch(r"weibo\.com/status/[0-9A-Za-z]{9}", k) for k in weibo)
