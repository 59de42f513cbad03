"""URL helpers: redirect unwrapping, duplicate keys, site names, safety.

``unwrap_redirect`` knows Weibo's ``sinaurl?u=`` (weibo.cn, m.weibo.cn, weibo.com) and
Zhihu's ``link.zhihu.com/?target=``; it only ever unwraps to an http(s) URL.

Pure functions on strings; nothing here touches the network.

``url_key`` rules (conservative: two URLs share a key only when they surely
name the same page):

* the scheme is ignored for http/https; other schemes keep it;
* host lower-cased, ``www.`` dropped, default ports and user info dropped;
  ``m.`` / ``mobile.`` dropped only for hosts whose mobile site mirrors the
  desktop paths (``_MOBILE_MIRRORS``);
* the fragment is dropped, except hash routes (``#/...``, ``#!...``);
* a trailing ``/`` is dropped; percent-escapes are normalised;
* tracking parameters are dropped everywhere (``utm_*``, ``spm``, click ids,
  see ``_TRACKING``) and per host (``_HOST_TRACKING``: e.g. ``s``/``t`` on X,
  ``si`` on YouTube, ``from`` on Weibo, share tokens on bilibili); a WeChat
  article keeps only ``__biz``/``mid``/``idx``/``sn``; the rest are sorted and
  re-encoded (``%3A`` and ``:`` in a value give the same key);
* known shapes collapse: arXiv ``abs``/``pdf``/``html`` with or without a
  version give ``arxiv.org/abs/<id>``; a Weibo post on weibo.com or m.weibo.cn,
  by numeric id or by base-62 id, gives ``weibo.com/status/<base-62 id>``;
  ``youtu.be/<id>`` and ``/shorts/<id>`` give ``youtube.com/watch?v=<id>``;
  twitter.com / x.com statuses give ``x.com/i/status/<id>``; GitHub owner and
  repository are lower-cased (GitHub treats them case-insensitively).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

__all__ = ["unwrap_redirect", "url_key", "site_name", "is_safe_url", "registrable_host"]

# --------------------------------------------------------------------------- redirects

_SINAURL_HOSTS = {"weibo.cn", "m.weibo.cn", "www.weibo.cn", "weibo.com", "www.weibo.com"}
_REDIRECTS: dict[tuple[str, str], str] = {
    # (host, path) -> query parameter holding the real URL
    ("link.zhihu.com", "/"): "target",
    ("link.zhihu.com", ""): "target",
}


def _redirect_target(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    param = None
    if host in _SINAURL_HOSTS and parts.path.rstrip("/") == "/sinaurl":
        param = "u"
    else:
        param = _REDIRECTS.get((host, parts.path))
    if param is None:
        return None
    for key, value in parse_qsl(parts.query.replace("+", "%2B"), keep_blank_values=True):
        if key == param and value:
            target = value.strip()
            if re.match(r"(?i)https?://", target):
                return target
            return None
    return None


def unwrap_redirect(url: str) -> str:
    """The real URL behind a Weibo ``sinaurl?u=`` (or Zhihu ``link.zhihu.com/?target=``)
    redirect; any other URL, or a redirect to a non-http(s) target, comes back unchanged."""
    current = url
    for _ in range(4):  # nested wrappers, bounded
        target = _redirect_target(current)
        if target is None:
            return current
        current = target
    return current


# --------------------------------------------------------------------------- safety

_UNSAFE_SCHEMES = {"javascript", "vbscript", "data", "file", "livescript", "mocha"}
_CONTROL_WS = re.compile(r"[\x00-\x20\x7f]+")


def is_safe_url(url: str) -> bool:
    """False for ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` (except
    ``data:image/...``) URLs, also when hidden by case, whitespace or control characters."""
    squeezed = _CONTROL_WS.sub("", url or "").lower()
    m = re.match(r"([a-z][a-z0-9+.\-]*):", squeezed)
    if not m:
        return True  # relative URL or fragment
    scheme = m.group(1)
    if scheme == "data":
        return squeezed.startswith("data:image/")
    return scheme not in _UNSAFE_SCHEMES


# --------------------------------------------------------------------------- keys

_TRACKING_PREFIXES = ("utm_",)
_TRACKING = {
    "spm", "spm_id_from", "gclid", "dclid", "fbclid", "msclkid", "yclid", "igshid",
    "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "ref_url",
}
_HOST_TRACKING: dict[str, set[str]] = {
    "x.com": {"s", "t", "ref_src", "ref_url"},
    "youtube.com": {"si", "feature", "pp", "ab_channel"},
    "weibo.com": {"from", "sourcetype", "wvr"},
    "weibo.cn": {"from", "sourcetype", "wvr"},
    "bilibili.com": {"vd_source", "share_source", "share_medium", "share_plat",
                     "share_session_id", "share_tag", "share_from", "bbid", "ts",
                     "unique_k", "timestamp", "buvid", "up_id", "from_spmid"},
    "zhihu.com": {"share_code"},
    "medium.com": {"source", "sk"},
    "xiaohongshu.com": {"xsec_source", "share_from_user_hidden", "xhsshare", "appuid",
                        "apptime", "share_id"},
    "douyin.com": {"previous_page", "share_token"},
}
_WEIXIN_KEEP = {"__biz", "mid", "idx", "sn"}

# hosts whose m./mobile. site has the same paths as the desktop one
_MOBILE_MIRRORS = {
    "youtube.com", "twitter.com", "x.com", "bilibili.com", "wikipedia.org", "zhihu.com",
    "facebook.com", "reddit.com", "douban.com", "github.com", "linkedin.com",
}

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_PATH_SAFE = "/:@!$&'()*+,;=%" + "-._~"

_ARXIV_ID = re.compile(
    r"^/(?:abs|pdf|html|format)/"
    r"((?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))"
    r"(?:v\d+)?(?:\.pdf)?/?$"
)

_WEIBO_POST_HOSTS = {"weibo.com", "weibo.cn", "m.weibo.cn", "m.weibo.com"}
_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _mid_to_bid(mid: str) -> str:
    """Weibo's numeric post id → its base-62 id (groups of 7 digits, 4 characters each)."""
    out = []
    while mid:
        chunk, mid = mid[-7:], mid[:-7]
        n = int(chunk)
        enc = ""
        while n:
            n, r = divmod(n, 62)
            enc = _B62[r] + enc
        enc = enc or "0"
        if mid:
            enc = enc.rjust(4, "0")
        out.insert(0, enc)
    return "".join(out)


def _norm_pct(text: str, safe: str) -> str:
    def repl(m: re.Match) -> str:
        ch = chr(int(m.group(1), 16))
        return ch if ch in _UNRESERVED else "%" + m.group(1).upper()

    return quote(_PCT.sub(repl, text), safe=safe)


def _strip_host(host: str) -> str:
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    for prefix in ("m.", "mobile."):
        if host.startswith(prefix) and host[len(prefix):] in _MOBILE_MIRRORS:
            return host[len(prefix):]
    # en.m.wikipedia.org -> en.wikipedia.org
    m = re.match(r"^([a-z\-]+)\.m\.(wikipedia\.org|wiktionary\.org)$", host)
    if m:
        return f"{m.group(1)}.{m.group(2)}"
    return host


def _host_family(host: str) -> str:
    reg = registrable_host(host) or host
    if reg in ("twitter.com", "x.com"):
        return "x.com"
    if reg == "youtu.be":
        return "youtube.com"
    if reg.endswith(".medium.com"):
        return "medium.com"
    return reg


def _special_key(host: str, path: str, query: list[tuple[str, str]]) -> str | None:
    """Keys for known shapes, or None."""
    family = _host_family(host)
    if family == "arxiv.org":
        m = _ARXIV_ID.match(path)
        if m:
            return f"arxiv.org/abs/{m.group(1)}"
    if host in _WEIBO_POST_HOSTS:
        segs = [s for s in path.split("/") if s]
        if len(segs) == 2 and (segs[0] in ("status", "detail") or segs[0].isdigit()):
            post = segs[1]
            if post.isdigit() and len(post) >= 12:
                return f"weibo.com/status/{_mid_to_bid(post)}"
            if re.fullmatch(r"[0-9A-Za-z]{8,10}", post) and not (post.isalpha() and post.islower()):
                return f"weibo.com/status/{post}"
    if family == "youtube.com":
        if host == "youtu.be":
            vid = path.strip("/")
            if re.fullmatch(r"[\w\-]{6,20}", vid):
                rest = [(k, v) for k, v in query if k not in _HOST_TRACKING["youtube.com"]]
                return _assemble("youtube.com", "/watch", [("v", vid)] + rest)
        m = re.fullmatch(r"/(?:shorts|live|embed)/([\w\-]{6,20})/?", path)
        if m:
            return _assemble("youtube.com", "/watch", [("v", m.group(1))])
    if family == "x.com":
        m = re.fullmatch(r"/(?:[A-Za-z0-9_]{1,15}|i(?:/web)?)/status(?:es)?/(\d+)(?:/.*)?", path)
        if m:
            return f"x.com/i/status/{m.group(1)}"
    if host == "mp.weixin.qq.com" and path in ("/s", "/s/"):
        kept = [(k, v) for k, v in query if k in _WEIXIN_KEEP]
        return _assemble(host, "/s", kept)
    if host == "mp.weixin.qq.com" and path.startswith("/s/"):
        return f"{host}{path.rstrip('/')}"
    return None


def _assemble(host: str, path: str, query: list[tuple[str, str]]) -> str:
    key = host + path
    if query:
        key += "?" + urlencode(sorted(query), quote_via=quote, safe=":/@!$'()*,;")
    return key


def url_key(url: str) -> str:
    """Canonical key for "same URL" detection (see the module docstring for the rules)."""
    text = unwrap_redirect((url or "").strip())
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return text if not scheme else scheme + text[len(scheme):]
    host = _strip_host(parts.hostname)
    if port and not (port == 80 and scheme == "http" or port == 443 and scheme == "https"):
        host_port = f"{host}:{port}"
    else:
        host_port = host
    path = _norm_pct(parts.path, _PATH_SAFE)
    if path.endswith("/"):
        path = path.rstrip("/")
    family = _host_family(host)
    drop = _HOST_TRACKING.get(family, set()) | _TRACKING
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in drop
    ]
    special = _special_key(host, path, query)
    if special is not None:
        return special
    if family == "arxiv.org":
        query = []
    if family == "github.com":
        segs = path.split("/")
        path = "/".join(s.lower() if 0 < i <= 2 else s for i, s in enumerate(segs))
        if len(segs) == 3 and path.endswith(".git"):
            path = path[:-4]
    key = _assemble(host_port, path, query)
    frag = parts.fragment
    if frag.startswith(("/", "!")):
        key += "#" + frag
    return key


# --------------------------------------------------------------------------- site names

_TWO_LEVEL_SUFFIXES = {
    "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn", "com.hk", "com.tw", "org.tw",
    "edu.tw", "co.uk", "org.uk", "ac.uk", "gov.uk", "co.jp", "ac.jp", "ne.jp", "or.jp",
    "com.au", "net.au", "org.au", "edu.au", "co.kr", "ac.kr", "com.sg", "edu.sg", "co.in",
    "com.br", "co.nz", "com.mx", "co.za", "com.tr", "com.ru",
}
# hosts under which every subdomain is a separate site
_PRIVATE_SUFFIXES = {"github.io", "gitee.io", "vercel.app", "netlify.app", "pages.dev",
                     "substack.com", "medium.com", "blogspot.com", "wordpress.com",
                     "notion.site", "readthedocs.io", "hf.space"}

_SITE_BY_HOST = {
    "mp.weixin.qq.com": "微信公众号",
    "weixin.qq.com": "微信",
    "v.qq.com": "腾讯视频",
    "news.qq.com": "腾讯新闻",
    "new.qq.com": "腾讯新闻",
    "news.ycombinator.com": "Hacker News",
    "gist.github.com": "GitHub Gist",
    "scholar.google.com": "Google Scholar",
    "research.google": "Google Research",
    "deepmind.google": "Google DeepMind",
    "blog.google": "Google",
    "zhuanlan.zhihu.com": "知乎",
}
_SITE_BY_DOMAIN = {
    "weibo.com": "微博", "weibo.cn": "微博", "t.cn": "微博",
    "arxiv.org": "arXiv", "alphaxiv.org": "alphaXiv",
    "github.com": "GitHub", "github.io": "GitHub Pages",
    "zhihu.com": "知乎",
    "bilibili.com": "B站", "b23.tv": "B站",
    "youtube.com": "YouTube", "youtu.be": "YouTube",
    "twitter.com": "X", "x.com": "X", "t.co": "X",
    "medium.com": "Medium",
    "huggingface.co": "Hugging Face", "hf.co": "Hugging Face",
    "reddit.com": "Reddit",
    "openai.com": "OpenAI", "anthropic.com": "Anthropic", "deepmind.com": "Google DeepMind",
    "wikipedia.org": "Wikipedia",
    "douyin.com": "抖音", "xiaohongshu.com": "小红书", "xhslink.com": "小红书",
    "toutiao.com": "今日头条", "36kr.com": "36氪", "jiqizhixin.com": "机器之心",
    "qbitai.com": "量子位", "csdn.net": "CSDN", "juejin.cn": "稀土掘金", "sspai.com": "少数派",
    "douban.com": "豆瓣", "substack.com": "Substack", "linkedin.com": "LinkedIn",
    "facebook.com": "Facebook", "instagram.com": "Instagram", "tiktok.com": "TikTok",
    "paperswithcode.com": "Papers with Code", "openreview.net": "OpenReview",
    "aclanthology.org": "ACL Anthology", "nature.com": "Nature", "science.org": "Science",
    "gitee.com": "Gitee", "modelscope.cn": "魔搭社区", "stackoverflow.com": "Stack Overflow",
    "notion.site": "Notion", "notion.so": "Notion", "thepaper.cn": "澎湃新闻",
    "163.com": "网易", "sohu.com": "搜狐", "ifeng.com": "凤凰网", "baidu.com": "百度",
    "sina.com.cn": "新浪", "infoq.cn": "InfoQ", "ithome.com": "IT之家",
}


def registrable_host(host: str) -> str | None:
    """The registrable part of a host name (``blog.example.co.uk`` → ``example.co.uk``),
    from a small built-in suffix list; IP addresses and single labels come back as they are."""
    host = (host or "").lower().strip(".")
    if not host:
        return None
    if re.fullmatch(r"[\d.]+", host) or ":" in host or "." not in host:
        return host
    labels = host.split(".")
    for suffix in _PRIVATE_SUFFIXES:
        if host == suffix:
            return host
        if host.endswith("." + suffix):
            n = suffix.count(".") + 2
            return ".".join(labels[-n:])
    if len(labels) >= 3 and ".".join(labels[-2:]) in _TWO_LEVEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def site_name(url: str) -> str | None:
    """A readable site name (微博, arXiv, GitHub, 微信公众号, ...) or the registrable host;
    None for anything that is not an http(s) URL with a host."""
    try:
        parts = urlsplit(unwrap_redirect((url or "").strip()))
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    bare = host[4:] if host.startswith("www.") else host
    if bare in _SITE_BY_HOST:
        return _SITE_BY_HOST[bare]
    reg = registrable_host(bare) or bare
    if reg in _SITE_BY_DOMAIN:
        return _SITE_BY_DOMAIN[reg]
    for suffix in _PRIVATE_SUFFIXES:
        if reg.endswith("." + suffix) and suffix in _SITE_BY_DOMAIN:
            return _SITE_BY_DOMAIN[suffix]
    return reg
