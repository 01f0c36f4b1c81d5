"""The lexicon page: terms with hits and verdict precision, add and disable a term,
test a text. Analysts may look and test; supervisors change (see `review_app.auth`).

Changes write the operator's overlay under DATA_DIR/lexicon/ through the same
functions as `cluewatch lexicon add|disable`, each an audit event. This app's
lexicon sees them at once; crawls load the lexicon when they start.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from cluewatch.errors import LexiconDataError
from cluewatch.taxonomy import CATEGORIES, CATEGORY_NAMES_ZH
from index.models import Entity, Match
from lexicon import Term
from lexicon.manage import analyze_text, term_stats
from review_app.access import render
from review_app.auth import LEXICON_EDIT_ROLES, LEXICON_VIEW_ROLES, Session
from review_app.deps import Access, services
from review_app.highlight import segments
from review_app.labels import TECHNIQUE_NAMES_ZH, WEIGHT_NAMES_ZH
from review_app.lexicon_live import LiveLexicon, add_term_audited, disable_term_audited
from review_app.messages import lexicon_broken_zh, validation_zh

router = APIRouter()
MAX_TEST_CHARS = 10_000
CONTEXT_KINDS = ("money", "contact", "baby", "evasion", "term")
CONTEXT_NAMES_ZH = {
    "money": "金钱",
    "contact": "联系方式",
    "baby": "婴儿/孩子",
    "evasion": "规避写法",
    "term": "其他词条",
}
TAKES_EFFECT_ZH = (
    "改动立即用于本页的文本测试；抓取评分在下一次抓取启动时加载新词库；已入库帖子的分数不变。"
)


def live(request: Request) -> LiveLexicon:
    lexicon: LiveLexicon = request.app.state.lexicon
    return lexicon


def why_zh(reason: str, detail: str) -> str:
    """Why a match was ignored, for analysts."""
    if reason == "unless":
        return f"附近有排除词「{detail}」"
    if reason == "initials_unless":
        return f"拼音首字母附近有「{detail}」，应作他解"
    needs = "、".join(CONTEXT_NAMES_ZH.get(k, k) for k in detail.split(",") if k)
    return f"缺少上下文（窗口内需要：{needs}）"


class TermOut(BaseModel):
    term: str
    category: str
    weight: str
    note: str
    variants: list[str]
    disabled: bool
    operator: bool = Field(description="Added or changed in the operator's overlay.")
    posts: int = Field(description="Stored posts the term matched.")
    confirmed: int
    dismissed: int
    precision: float | None = Field(description="confirmed / (confirmed + dismissed).")


class LexiconOut(BaseModel):
    lexicon_version: str
    takes_effect: str
    terms: list[TermOut]


class TermIn(BaseModel):
    term: str = Field(min_length=1, max_length=40)
    category: str
    weight: Literal["strong", "medium", "weak"]
    note: str = Field(min_length=1, max_length=200)
    variants: list[str] = Field(default_factory=list, max_length=50)
    requires: list[str] = Field(default_factory=list, description="money, contact, baby, ...")
    unless: list[str] = Field(default_factory=list, max_length=50)
    initials: bool = False


class DisableIn(BaseModel):
    term: str = Field(min_length=1, max_length=40)
    category: str | None = None


class TestIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEST_CHARS)


def lexicon_terms(request: Request) -> LexiconOut:
    data = live(request).data()
    rows = term_stats(data, services(request).store.term_hits(), live(request).overlay)
    return LexiconOut(
        lexicon_version=data.version,
        takes_effect=TAKES_EFFECT_ZH,
        terms=[
            TermOut(**{**vars(r), "variants": list(r.variants)}, precision=r.precision)
            for r in rows
        ],
    )


def add(request: Request, session: Session, body: TermIn) -> Term:
    """Add a term to the overlay (replacing the operator's entry of the same text).
    Refused (400) for an unknown category or a term `lexicon.manage.term_problem` rejects;
    while a lexicon file is broken, a `LexiconDataError` (the app answers 500)."""
    svc = services(request)
    if body.category not in CATEGORIES:
        names = "、".join(f"{CATEGORY_NAMES_ZH[c]} {c}" for c in CATEGORIES)
        raise HTTPException(
            status_code=400, detail=f"类别（category）没有「{body.category}」，可选：{names}"
        )
    if not body.term.strip() or not body.note.strip():
        missing = "词条（term）" if not body.term.strip() else "说明（note）"
        raise HTTPException(status_code=400, detail=f"{missing}不能为空")
    live(request).data()  # a broken file is reported as such, before anything is written
    try:
        term, _ = add_term_audited(
            svc.store,
            svc.settings.lexicon_dir,
            body.category,
            by=session.user.username,
            term=body.term.strip(),
            weight=body.weight,
            note=body.note.strip(),
            variants=tuple(v.strip() for v in body.variants if v.strip()),
            requires=tuple(body.requires),
            unless=tuple(u.strip() for u in body.unless if u.strip()),
            initials=body.initials,
        )
    except LexiconDataError as exc:
        raise HTTPException(status_code=400, detail=f"词条未保存：{exc}") from exc
    return term


def disable(request: Request, session: Session, body: DisableIn) -> list[Term]:
    """Disable the term; 404 when the lexicon has no such term (in that category)."""
    svc = services(request)
    data = live(request).data()
    if not any(t.term == body.term and body.category in (None, t.category) for t in data.terms):
        where = (
            f"（类别 {CATEGORY_NAMES_ZH.get(body.category, body.category)}）"
            if body.category
            else ""
        )
        raise HTTPException(
            status_code=404, detail=f"词库中没有词条「{body.term}」{where}，请在词条列表中查找"
        )
    return disable_term_audited(
        svc.store, svc.settings.lexicon_dir, body.term, body.category, by=session.user.username
    )


def with_hits(request: Request, terms: list[Term]) -> list[TermOut]:
    """The rows of the term table for `terms` (the statistics scan the stored matches)."""
    keys = {(t.category, t.term) for t in terms}
    return [t for t in lexicon_terms(request).terms if (t.category, t.term) in keys]


def analyze(request: Request, text: str) -> dict[str, Any]:
    data, matcher = live(request).matcher()
    return analyze_text(data, text, matcher)


def _split(value: str) -> list[str]:
    """Words of a form field, one per line or separated by commas (either width) or 、;
    not by spaces, which variants such as "dai yun" hold."""
    for separator in ("，", "、", "\n"):
        value = value.replace(separator, ",")
    return [w.strip() for w in value.split(",") if w.strip()]


def _page(
    request: Request,
    session: Session,
    *,
    category: str | None = None,
    q: str = "",
    text: str = "",
    result: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    try:
        lexicon = lexicon_terms(request)
    except LexiconDataError as exc:
        # The page says which file is broken, where and why; the rest of the app works.
        return render(
            request,
            "lexicon.html",
            session,
            {"broken": lexicon_broken_zh(exc), "lexicon": None, "error": error},
            status_code=500,
        )
    terms = [
        t
        for t in lexicon.terms
        if (category is None or t.category == category) and (not q or q in t.term)
    ]
    shown_segments = None
    if result is not None:
        shown_segments = segments(
            text,
            [Match(**m) for m in result["matches"]],
            [Entity(**e) for e in result["entities"]],
        )
    return render(
        request,
        "lexicon.html",
        session,
        {
            "lexicon": lexicon,
            "terms": terms,
            "category": category,
            "q": q,
            "text": text,
            "result": result,
            "segments": shown_segments,
            "error": error,
            "can_edit": session.user.role in LEXICON_EDIT_ROLES,
            "categories": CATEGORIES,
            "category_names": CATEGORY_NAMES_ZH,
            "weight_names": WEIGHT_NAMES_ZH,
            "technique_names": TECHNIQUE_NAMES_ZH,
            "context_kinds": CONTEXT_KINDS,
            "context_names": CONTEXT_NAMES_ZH,
            "why_zh": why_zh,
        },
        status_code=status_code,
    )


@router.get("/lexicon", response_class=HTMLResponse)
def lexicon_page(
    request: Request,
    session: Annotated[Session, Depends(Access(LEXICON_VIEW_ROLES, page=True))],
    category: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    return _page(request, session, category=category if category in CATEGORIES else None, q=q)


@router.post("/lexicon/test", response_class=HTMLResponse)
def lexicon_test_form(
    request: Request,
    session: Annotated[Session, Depends(Access(LEXICON_VIEW_ROLES, page=True, change=True))],
    text: Annotated[str, Form(max_length=MAX_TEST_CHARS)] = "",
) -> Response:
    if not text.strip():
        return _page(request, session, error="请输入要测试的文本", status_code=400)
    try:
        result = analyze(request, text)
    except LexiconDataError:
        return _page(request, session, text=text)  # the page says what is broken
    return _page(request, session, text=text, result=result)


@router.post("/lexicon/terms")
def lexicon_add_form(
    request: Request,
    session: Annotated[Session, Depends(Access(LEXICON_EDIT_ROLES, page=True, change=True))],
    term: Annotated[str, Form(max_length=40)],
    category: Annotated[str, Form(max_length=40)],
    weight: Annotated[Literal["strong", "medium", "weak"], Form()],
    note: Annotated[str, Form(max_length=200)],
    variants: Annotated[str, Form(max_length=2000)] = "",
    requires: Annotated[list[str] | None, Form()] = None,
    unless: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        body = TermIn(
            term=term.strip(),
            category=category,
            weight=weight,
            note=note.strip(),
            variants=_split(variants),
            requires=requires or [],
            unless=_split(unless),
        )
    except ValidationError as exc:
        return _page(request, session, error=validation_zh(exc.errors()), status_code=400)
    try:
        add(request, session, body)
    except LexiconDataError:
        return _page(request, session)  # the page says what is broken
    except HTTPException as exc:
        return _page(request, session, error=str(exc.detail), status_code=exc.status_code)
    return RedirectResponse(f"/lexicon?q={quote(body.term)}", status_code=303)


@router.post("/lexicon/terms/disable")
def lexicon_disable_form(
    request: Request,
    session: Annotated[Session, Depends(Access(LEXICON_EDIT_ROLES, page=True, change=True))],
    term: Annotated[str, Form(max_length=40)],
    category: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        disable(request, session, DisableIn(term=term, category=category or None))
    except LexiconDataError:
        return _page(request, session)  # the page says what is broken
    except HTTPException as exc:
        return _page(request, session, error=str(exc.detail), status_code=exc.status_code)
    return RedirectResponse(f"/lexicon?q={quote(term)}", status_code=303)


@router.get("/api/lexicon", tags=["api"])
def lexicon_api(
    request: Request, session: Annotated[Session, Depends(Access(LEXICON_VIEW_ROLES))]
) -> LexiconOut:
    """Every term (disabled ones too) with stored hits and precision from verdicts."""
    return lexicon_terms(request)


@router.post("/api/lexicon/terms", tags=["api"])
def lexicon_add_api(
    request: Request,
    body: TermIn,
    session: Annotated[Session, Depends(Access(LEXICON_EDIT_ROLES, change=True))],
) -> TermOut:
    """Add a term to the operator's overlay (supervisors); an audit event."""
    return with_hits(request, [add(request, session, body)])[0]


@router.post("/api/lexicon/terms/disable", tags=["api"])
def lexicon_disable_api(
    request: Request,
    body: DisableIn,
    session: Annotated[Session, Depends(Access(LEXICON_EDIT_ROLES, change=True))],
) -> list[TermOut]:
    """Disable every term of this text (in `category` if given); an audit event each."""
    return with_hits(request, disable(request, session, body))


@router.post("/api/lexicon/test", tags=["api"])
def lexicon_test_api(
    request: Request,
    body: TestIn,
    session: Annotated[Session, Depends(Access(LEXICON_VIEW_ROLES, change=True))],
) -> dict[str, Any]:
    """What the lexicon finds in a text: matches, entities, lures, ignored matches and why.
    Offsets are characters into `text`."""
    return analyze(request, body.text)
