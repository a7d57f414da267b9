"""Which locale a customer's message is written in, with a fallback chain."""

import re
from collections.abc import Iterable

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def normalize_locale(tag: str) -> str:
    """A BCP 47 tag in canonical case: zh_cn → zh-CN, EN → en, zh-hans-cn → zh-Hans-CN."""
    if not _TAG.match(tag.strip()):
        raise ValueError(f"not a locale tag: {tag!r}")
    language, *rest = tag.strip().replace("_", "-").split("-")
    parts = [language.lower()]
    for part in rest:
        if len(part) == 4 and part.isalpha():
            parts.append(part.title())  # script, e.g. Hans
        elif len(part) in (2, 3):
            parts.append(part.upper())  # region, e.g. CN or 419
        else:
            parts.append(part.lower())
    return "-".join(parts)


def is_locale_tag(tag: str) -> bool:
    """Whether the text looks like a locale tag."""
    return bool(_TAG.match(tag.strip()))


def language_of(tag: str) -> str:
    """The language subtag: zh-CN → zh."""
    return normalize_locale(tag).split("-")[0]


def resolve_locale(
    available: Iterable[str], *wishes: str | None, fallback: str = "en"
) -> str:
    """The best available locale for the first wish that has one, else the fallback.

    Each wish is tried exactly (zh-CN), then by language (zh-CN ← zh, zh-Hans-CN ← zh-CN);
    the profile's locale is passed before a request's hint, so the profile wins when known.
    """
    offered = sorted({normalize_locale(tag) for tag in available})
    for wish in wishes:
        if not wish or not is_locale_tag(wish):
            continue
        wanted = normalize_locale(wish)
        if wanted in offered:
            return wanted
        same_language = [tag for tag in offered if language_of(tag) == language_of(wanted)]
        if same_language:
            return same_language[0]
    return normalize_locale(fallback)


def babel_locale_name(tag: str) -> str:
    """The name Babel expects: zh-CN → zh_CN."""
    return normalize_locale(tag).replace("-", "_")
